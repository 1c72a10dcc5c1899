/** Turning files, drops and camera frames into RGBA pixels. */
import type { Pixels } from './render';

/** Photos are scaled down so the longest side is at most this (a 12 MP photo would take minutes). */
export const MAX_SIDE = 2048;

/** A picture ready to segment, with a name for the downloads. */
export interface Picture {
  image: Pixels;
  name: string;
  /** Size before scaling down, if it was scaled. */
  originalSize?: { width: number; height: number };
}

/**
 * Decodes an image file with the browser's decoder (JPEG, PNG, WebP, HEIC where supported),
 * EXIF-rotated, without colour-space conversion so the pixels are the file's own.
 */
export async function pictureFromFile(file: Blob, name: string): Promise<Picture> {
  if (file.type && !file.type.startsWith('image/')) {
    throw new Error(`${name} is not an image (type ${file.type})`);
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, {
      imageOrientation: 'from-image',
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
    });
  } catch {
    throw new Error(`could not decode ${name}: is it an image this browser can read?`);
  }
  try {
    return pictureFromSource(bitmap, bitmap.width, bitmap.height, baseName(name));
  } finally {
    bitmap.close();
  }
}

/** The current frame of a playing video (the camera preview). */
export function pictureFromVideo(video: HTMLVideoElement): Picture {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  return pictureFromSource(video, video.videoWidth, video.videoHeight, `camera-${stamp}`);
}

function pictureFromSource(
  source: CanvasImageSource,
  width: number,
  height: number,
  name: string,
): Picture {
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('this browser has no 2D canvas');
  if (scale < 1) context.imageSmoothingQuality = 'high';
  context.drawImage(source, 0, 0, w, h);
  const pixels = context.getImageData(0, 0, w, h);
  const picture: Picture = {
    image: { data: new Uint8Array(pixels.data.buffer), width: w, height: h, channels: 4 },
    name,
  };
  if (scale < 1) picture.originalSize = { width, height };
  return picture;
}

function baseName(name: string): string {
  return name.replace(/\.[^.]+$/, '') || 'photo';
}

/** Starts the rear camera in `video`; returns a function that stops it. */
export async function startCamera(video: HTMLVideoElement): Promise<() => void> {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: { ideal: 'environment' }, width: { ideal: 1920 } },
    audio: false,
  });
  video.srcObject = stream;
  await video.play();
  return () => {
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
}

/** True when the browser can open the camera in the page (needs a secure context). */
export function canUseCamera(): boolean {
  return typeof navigator.mediaDevices?.getUserMedia === 'function' && window.isSecureContext;
}
