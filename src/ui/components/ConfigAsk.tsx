import { useState } from 'react';
import { setConfig } from '../../state/actions.ts';

/**
 * A recognised transformer whose whole network needs a hyperparameter nothing gave (no config.json,
 * or one without the key, and the shapes do not determine it): the config.json to complete, with
 * the missing keys set to null, applied as the checkpoint's config.json (the CLI names the same key).
 */
export function ConfigAsk({ missing, template, ckKey, disabled }: { missing: string; template: string; ckKey: string; disabled: boolean }) {
  const [text, setText] = useState(template);
  return (
    <div className="arch-editor" data-testid="config-ask">
      <p className="small warn">The whole network needs the {missing}. Replace each <span className="mono">null</span> below and apply; until then it is read block by block.</p>
      <textarea className="mono" spellCheck={false} wrap="off" rows={Math.min(12, text.split('\n').length + 1)} value={text}
        onChange={(e) => setText(e.target.value)} aria-label="config.json to complete" data-testid="config-ask-text" />
      <div className="run-row">
        <button type="button" className="btn small" disabled={disabled} onClick={() => void setConfig(ckKey, text)} data-testid="config-ask-apply">Apply as config.json</button>
      </div>
    </div>
  );
}
