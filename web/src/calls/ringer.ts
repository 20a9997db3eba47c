/**
 * The ring of an incoming call, synthesised with Web Audio (no sound file in the bundle): a
 * 440+480 Hz tone pair, 2 s on and 4 s off (the North American ring cadence, ITU-T E.180).
 * Browsers may keep the AudioContext suspended until the user has interacted with the page; then
 * the banner is silent but still shown.
 */
export class Ringer {
  private ctx: AudioContext | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;

  get ringing(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer !== undefined || typeof AudioContext === 'undefined') return;
    try {
      this.ctx ??= new AudioContext();
      void this.ctx.resume().catch(() => undefined);
    } catch {
      return;
    }
    this.burst();
    this.timer = setInterval(() => this.burst(), 6000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    const ctx = this.ctx;
    this.ctx = null;
    void ctx?.close().catch(() => undefined);
  }

  private burst(): void {
    const ctx = this.ctx;
    if (!ctx || ctx.state !== 'running') return;
    const gain = ctx.createGain();
    gain.gain.value = 0.08;
    gain.connect(ctx.destination);
    const end = ctx.currentTime + 2;
    for (const f of [440, 480]) {
      const osc = ctx.createOscillator();
      osc.frequency.value = f;
      osc.connect(gain);
      osc.start();
      osc.stop(end);
    }
  }
}
