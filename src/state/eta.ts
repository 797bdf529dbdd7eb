/**
 * The explorer's time-left estimate: the read's rate (fraction per second) smoothed with an
 * exponential moving average over wall-clock time, so one slow or fast batch moves the estimate by
 * a little instead of swinging it (a raw elapsed/fraction ratio jumps whenever a batch of queries
 * costs more than the last, e.g. an orbit scan after straight lines).
 */
export class EtaSmoother {
  private lastT: number | null = null;
  private lastF = 0;
  private rate: number | null = null;

  /** `halfLifeS`: after this many seconds an old rate counts half. */
  constructor(private readonly halfLifeS = 8) {}

  /** Feed the fraction done at time `tS` (seconds); returns the seconds left, or null while unknown. */
  update(fraction: number, tS: number): number | null {
    if (this.lastT === null) {
      this.lastT = tS;
      this.lastF = fraction;
      return null;
    }
    const dt = tS - this.lastT;
    if (dt < 0.25) return this.eta(fraction);
    const instant = Math.max(0, fraction - this.lastF) / dt;
    const keep = 0.5 ** (dt / this.halfLifeS);
    this.rate = this.rate === null ? instant : keep * this.rate + (1 - keep) * instant;
    this.lastT = tS;
    this.lastF = fraction;
    return this.eta(fraction);
  }

  private eta(fraction: number): number | null {
    return this.rate && this.rate > 0 ? Math.max(0, (1 - fraction) / this.rate) : null;
  }
}
