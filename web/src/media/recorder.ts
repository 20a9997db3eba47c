/** Bars in a voice message's waveform (contract: ≤ 100 values, 0..31). */
export const WAVE_BARS = 64;

/** Opus in WebM (Chromium, Firefox) or Ogg; the first the browser can record. */
export function voiceMime(): string | undefined {
  if (typeof MediaRecorder === 'undefined') return undefined;
  return ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm', 'audio/mp4'].find((m) => MediaRecorder.isTypeSupported(m));
}

export interface VoiceClip {
  blob: Blob;
  mime: string;
  durationMs: number;
  waveform: number[];
}

/**
 * A voice note being recorded from the microphone. The live level (0..1) is sampled from an
 * AnalyserNode for the recording indicator; the stored waveform is computed from the decoded clip.
 */
export class VoiceRecorder {
  level = 0;
  startedAt = 0;
  private recorder: MediaRecorder | undefined;
  private stream: MediaStream | undefined;
  private chunks: Blob[] = [];
  private audio: AudioContext | undefined;
  private raf = 0;

  constructor(private readonly onLevel: () => void) {}

  async start(): Promise<void> {
    const mime = voiceMime();
    if (!mime) throw new Error('recording is not supported in this browser');
    this.stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
    this.recorder = new MediaRecorder(this.stream, { mimeType: mime, audioBitsPerSecond: 32000 });
    this.recorder.ondataavailable = (e) => e.data.size && this.chunks.push(e.data);
    this.recorder.start(250);
    this.startedAt = performance.now();
    try {
      this.audio = new AudioContext();
      const analyser = this.audio.createAnalyser();
      analyser.fftSize = 256;
      this.audio.createMediaStreamSource(this.stream).connect(analyser);
      const buf = new Uint8Array(analyser.fftSize);
      const tick = () => {
        analyser.getByteTimeDomainData(buf);
        let peak = 0;
        for (const v of buf) peak = Math.max(peak, Math.abs(v - 128));
        this.level = peak / 128;
        this.onLevel();
        this.raf = requestAnimationFrame(tick);
      };
      tick();
    } catch {
      // The level meter is decoration: recording works without it.
    }
  }

  /** Stops and returns the clip (with duration and waveform), or undefined when cancelled/empty. */
  async stop(keep = true): Promise<VoiceClip | undefined> {
    const rec = this.recorder;
    cancelAnimationFrame(this.raf);
    if (!rec) return undefined;
    const stopped = new Promise<void>((r) => { rec.onstop = () => r(); });
    if (rec.state !== 'inactive') rec.stop();
    await stopped;
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    const elapsed = performance.now() - this.startedAt;
    void this.audio?.close().catch(() => undefined);
    if (!keep || !this.chunks.length) return undefined;
    const mime = rec.mimeType || voiceMime() || 'audio/webm';
    const blob = new Blob(this.chunks, { type: mime.split(';')[0] });
    const { durationMs, waveform } = await analyse(blob, elapsed);
    return { blob, mime: blob.type, durationMs, waveform };
  }
}

/**
 * Duration and waveform of an audio clip, decoded in the browser: WebM from MediaRecorder carries no
 * duration in its header, so the decoded length is the truth (the wall clock is the fallback).
 */
export async function analyse(blob: Blob, fallbackMs: number): Promise<{ durationMs: number; waveform: number[] }> {
  try {
    const ctx = new OfflineAudioContext(1, 1, 48000);
    const decoded = await ctx.decodeAudioData(await blob.arrayBuffer());
    return { durationMs: Math.round(decoded.duration * 1000), waveform: waveformOf(decoded.getChannelData(0)) };
  } catch {
    return { durationMs: Math.round(fallbackMs), waveform: [] };
  }
}

/** Peak level per bar, scaled so the loudest bar is 31 (quiet clips still show a shape). */
export function waveformOf(samples: Float32Array, bars = WAVE_BARS): number[] {
  const peaks: number[] = [];
  const step = Math.max(1, Math.floor(samples.length / bars));
  for (let b = 0; b < bars && b * step < samples.length; b++) {
    let peak = 0;
    const end = Math.min(samples.length, (b + 1) * step);
    for (let i = b * step; i < end; i++) peak = Math.max(peak, Math.abs(samples[i]!));
    peaks.push(peak);
  }
  const max = Math.max(...peaks, 1e-6);
  return peaks.map((p) => Math.max(0, Math.min(31, Math.round((p / max) * 31))));
}
