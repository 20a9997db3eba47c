import { useEffect, useRef } from 'preact/hooks';
import type { MediaStreamLike } from '../../../src/client/calls/rtc-types.js';
import { asMediaStream } from './platform.js';

type SinkElement = HTMLMediaElement & { setSinkId?(id: string): Promise<void> };

/** Whether this browser can send audio to a chosen output (HTMLMediaElement.setSinkId, Audio Output Devices API). */
export const canChooseSpeaker = typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;

/** Plays `stream` in the element behind `ref` (srcObject set only when it changed). */
function useStreamSource(ref: { current: HTMLMediaElement | null }, stream: MediaStreamLike | null): void {
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const s = asMediaStream(stream);
    if (el.srcObject !== s) el.srcObject = s;
    if (s) void el.play().catch(() => undefined);
  }, [stream]);
}

/** A <video> showing a stream (muted: the remote sound plays through <RemoteAudio>, the local one must not echo). */
export function StreamVideo({ stream, className, testid }: { stream: MediaStreamLike | null; className: string; testid: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useStreamSource(ref, stream);
  return <video ref={ref} class={className} autoPlay playsInline muted data-testid={testid} />;
}

/** The other party's sound, on the chosen speaker where the browser supports it. */
export function RemoteAudio({ stream, sinkId }: { stream: MediaStreamLike | null; sinkId: string }) {
  const ref = useRef<HTMLAudioElement>(null);
  useStreamSource(ref, stream);
  useEffect(() => {
    const el = ref.current as SinkElement | null;
    if (el?.setSinkId && canChooseSpeaker) void el.setSinkId(sinkId).catch(() => undefined);
  }, [sinkId]);
  return <audio ref={ref} autoPlay data-testid="call-remote-audio" />;
}
