/** Drawing results on canvases and saving them as PNG files. */
import { encodePng } from '@crack/data/image';

/** 8-bit pixels: what the app decodes, draws and saves (a @crack/runtime PixelImage). */
export interface Pixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** Draws RGBA (or gray) pixels on `canvas`, resizing it to the image. */
export function drawImage(canvas: HTMLCanvasElement, image: Pixels): void {
  const rgba = toRgba(image);
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('this browser has no 2D canvas');
  const pixels = context.createImageData(image.width, image.height);
  pixels.data.set(rgba);
  context.putImageData(pixels, 0, 0);
}

/** Saves `image` as a PNG download named `fileName`. */
export function downloadPng(image: Pixels, fileName: string): void {
  const { width, height, channels } = image;
  const bytes = encodePng({ data: image.data, width, height, channels: channels as 1 | 3 | 4 });
  const url = URL.createObjectURL(
    new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' }),
  );
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function toRgba(image: Pixels): Uint8Array {
  const { data, width, height, channels } = image;
  if (channels === 4) return data;
  const out = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++)
      out[p * 4 + c] = data[p * channels + (channels >= 3 ? c : 0)] as number;
    out[p * 4 + 3] = 255;
  }
  return out;
}
