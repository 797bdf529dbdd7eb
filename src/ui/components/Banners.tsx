/** The error banner (named error from the reader; the previous model stays loaded) and notices. */
import { dismissError } from '../../state/actions.ts';
import { dismissNotice, useStore } from '../../state/store.ts';

export function Banners() {
  const error = useStore((s) => s.error);
  const notices = useStore((s) => s.notices);
  return (
    <div className="banners" aria-live="polite">
      {error ? (
        <div className="banner error" role="alert" data-testid="error-banner">
          <div>
            <strong>{error.title}</strong>
            <div className="mono small error-message" data-testid="error-message">{error.message}</div>
          </div>
          <button type="button" className="btn small ghost" onClick={dismissError} aria-label="dismiss error">×</button>
        </div>
      ) : null}
      {notices.map((n, i) => (
        <div key={`${i}:${n}`} className="banner notice" data-testid="notice">
          <span className="small">{n}</span>
          <button type="button" className="btn small ghost" onClick={() => dismissNotice(i)} aria-label="dismiss notice">×</button>
        </div>
      ))}
    </div>
  );
}
