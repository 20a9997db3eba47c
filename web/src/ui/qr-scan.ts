/**
 * QR code reading for "Link a device": the browser's BarcodeDetector where it exists (Chrome on
 * Android and macOS), otherwise jsQR (Debian's Chromium, Firefox). jsQR is imported on first use
 * so it stays out of the initial bundle.
 */

/** Reads QR codes from an image source; resolves to the texts found (possibly none). */
export type QrReader = (source: CanvasImageSource, width: number, height: number) => Promise<string[]>;

interface Detector { detect(source: CanvasImageSource): Promise<Array<{ rawValue: string }>> }
interface DetectorCtor {
  new (o: { formats: string[] }): Detector;
  getSupportedFormats?: () => Promise<string[]>;
}

/** Camera frames and chosen images are scaled down to this many pixels on the long side before jsQR. */
const MAX_SIDE = 1600;

type JsQrDecode = (source: CanvasImageSource, width: number, height: number, attemptBoth: boolean) => string[];
let jsQrDecode: Promise<JsQrDecode> | undefined;
let nativeReader: Promise<QrReader | undefined> | undefined;

/** jsQR over a canvas copy of the source, loaded lazily; `thorough` also tries inverted colours. */
async function loadJsQr(thorough: boolean): Promise<QrReader> {
  jsQrDecode ??= import('jsqr').then(({ default: jsQR }) => {
    const canvas = document.createElement('canvas');
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('canvas 2d is not available');
    return (source: CanvasImageSource, width: number, height: number, attemptBoth: boolean) => {
      if (!width || !height) return [];
      const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
      const w = Math.max(1, Math.round(width * scale));
      const h = Math.max(1, Math.round(height * scale));
      if (canvas.width !== w) canvas.width = w;
      if (canvas.height !== h) canvas.height = h;
      ctx.drawImage(source, 0, 0, w, h);
      const found = jsQR(ctx.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: attemptBoth ? 'attemptBoth' : 'dontInvert' });
      return found?.data ? [found.data] : [];
    };
  }).catch((err: unknown) => {
    jsQrDecode = undefined; // a failed chunk load (offline) may succeed on the next try
    throw err;
  });
  const decode = await jsQrDecode;
  return async (source, width, height) => decode(source, width, height, thorough);
}

/** BarcodeDetector when the browser has one that reads QR codes, else undefined. */
function loadNative(): Promise<QrReader | undefined> {
  nativeReader ??= (async () => {
    const Ctor = (window as unknown as { BarcodeDetector?: DetectorCtor }).BarcodeDetector;
    if (typeof Ctor !== 'function') return undefined;
    try {
      if (Ctor.getSupportedFormats && !(await Ctor.getSupportedFormats()).includes('qr_code')) return undefined;
      const detector = new Ctor({ formats: ['qr_code'] });
      return async (source: CanvasImageSource) => (await detector.detect(source)).map((f) => f.rawValue);
    } catch {
      return undefined;
    }
  })();
  return nativeReader;
}

/** The reader for camera frames: native when available, else jsQR (fast mode). */
export async function cameraQrReader(): Promise<QrReader> {
  return (await loadNative()) ?? loadJsQr(false);
}

/** Reads the QR codes in an image file (a screenshot or photo of the code). */
export async function readQrFromFile(file: Blob): Promise<string[]> {
  const bitmap = await createImageBitmap(file);
  try {
    const native = await loadNative();
    const hits = native ? await native(bitmap, bitmap.width, bitmap.height).catch(() => []) : [];
    if (hits.length) return hits;
    return await (await loadJsQr(true))(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}
