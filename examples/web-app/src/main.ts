/** The page: wires inputs, settings and results around one Segmenter. */
import './styles.css';
import { syntheticCrack } from '@crack/data';
import { type BackendChoice, selectBackend } from './backend';
import { formatArea, formatCount, formatDuration, formatLength } from './format';
import {
  canUseCamera,
  type Picture,
  pictureFromFile,
  pictureFromVideo,
  startCamera,
} from './image-source';
import { loadModelList, type ModelEntry } from './models';
import { downloadPng, drawImage } from './render';
import {
  type CrackMeasurements,
  loadSegmenter,
  maskToImage,
  measureCracks,
  renderOverlay,
  type Segmenter,
  type SegmentMode,
  type SegmentResult,
} from './segment';
import { exposeResult } from './test-hook';

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`missing #${id}`);
  return element as T;
};

const ui = {
  dropZone: $('drop-zone'),
  pickButton: $<HTMLButtonElement>('pick-button'),
  cameraButton: $<HTMLButtonElement>('camera-button'),
  captureButton: $<HTMLButtonElement>('capture-button'),
  sampleButton: $<HTMLButtonElement>('sample-button'),
  fileInput: $<HTMLInputElement>('file-input'),
  captureInput: $<HTMLInputElement>('capture-input'),
  camera: $('camera'),
  cameraVideo: $<HTMLVideoElement>('camera-video'),
  shutterButton: $<HTMLButtonElement>('shutter-button'),
  cameraCancel: $<HTMLButtonElement>('camera-cancel'),
  modelSelect: $<HTMLSelectElement>('model-select'),
  modelInfo: $('model-info'),
  threshold: $<HTMLInputElement>('threshold'),
  thresholdValue: $<HTMLOutputElement>('threshold-value'),
  scale: $<HTMLInputElement>('scale'),
  status: $('status'),
  stats: $('stats'),
  figures: $('figures'),
  downloads: $('downloads'),
  originalCanvas: $<HTMLCanvasElement>('original-canvas'),
  maskCanvas: $<HTMLCanvasElement>('mask-canvas'),
  overlayCanvas: $<HTMLCanvasElement>('overlay-canvas'),
  opacity: $<HTMLInputElement>('opacity'),
  opacityValue: $<HTMLOutputElement>('opacity-value'),
  downloadMask: $<HTMLButtonElement>('download-mask'),
  downloadOverlay: $<HTMLButtonElement>('download-overlay'),
};

const params = new URLSearchParams(location.search);

/** Connected mask pieces smaller than this are specks, not cracks: not counted or measured. */
const MIN_CRACK_PIXELS = 10;

/** Crack colour of the overlay: a red that stays visible on gray asphalt. */
const OVERLAY_COLOR: [number, number, number] = [255, 40, 0];

interface Shown {
  picture: Picture;
  result: SegmentResult;
  measurements: CrackMeasurements;
}

const state: {
  backend: BackendChoice | null;
  models: ModelEntry[];
  model: ModelEntry | null;
  segmenter: Segmenter | null;
  picture: Picture | null;
  shown: Shown | null;
  stopCamera: (() => void) | null;
  /** Bumped on every run so a slow, stale run never overwrites a newer one. */
  run: number;
} = {
  backend: null,
  models: [],
  model: null,
  segmenter: null,
  picture: null,
  shown: null,
  stopCamera: null,
  run: 0,
};

function setStatus(message: string, kind: 'busy' | 'done' | 'error' | 'idle' = 'idle'): void {
  ui.status.textContent = message;
  ui.status.dataset.kind = kind;
  document.body.dataset.state = kind;
}

function currentMode(): SegmentMode {
  const checked = document.querySelector<HTMLInputElement>('input[name="mode"]:checked');
  return checked?.value === 'thesis' ? 'thesis' : 'full';
}

function currentScale(): number | null {
  const value = Number.parseFloat(ui.scale.value);
  return Number.isFinite(value) && value > 0 ? value : null;
}

async function useModel(entry: ModelEntry): Promise<void> {
  state.segmenter?.dispose();
  state.segmenter = null;
  state.model = entry;
  const quality =
    entry.f1 !== undefined && entry.f1Tolerant !== undefined
      ? `; held-out F1 ${entry.f1.toFixed(2)} (${entry.f1Tolerant.toFixed(2)} within 2 px)`
      : '';
  const download =
    entry.weightBytes !== undefined
      ? `, ${formatCount(Math.round(entry.weightBytes / 1024))} KB of ${entry.weights ?? 'float32'} weights`
      : '';
  ui.modelInfo.textContent = `${formatCount(entry.params)} parameters${download}, ${formatCount(entry.macs)} multiply-adds per 480x320 photo${quality}`;
  setStatus(`Loading ${entry.label}...`, 'busy');
  const url = new URL(entry.url, document.baseURI).href;
  state.segmenter = await loadSegmenter(url, { warmup: true });
  if (state.picture) await segmentPicture();
  else setStatus(`Ready (${entry.label}). Choose or take a photo.`, 'idle');
}

async function showPicture(picture: Picture): Promise<void> {
  state.picture = picture;
  await segmentPicture();
}

async function segmentPicture(): Promise<void> {
  const { picture, segmenter } = state;
  if (!picture) return;
  if (!segmenter) {
    setStatus('The model is still loading; the photo will be segmented when it is ready.', 'busy');
    return;
  }
  const run = ++state.run;
  const { width, height } = picture.image;
  const scaled = picture.originalSize
    ? ` (scaled down from ${picture.originalSize.width}x${picture.originalSize.height})`
    : '';
  setStatus(`Segmenting ${picture.name}, ${width}x${height}${scaled}...`, 'busy');
  // Let the status paint before the (synchronous on some backends) inference starts.
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const threshold = Number(ui.threshold.value);
  const mode = currentMode();
  const result = await segmenter.segment(picture.image, { mode, threshold });
  if (run !== state.run) return;
  const measurements = measureCracks(result.mask, result.width, result.height, {
    minPixels: MIN_CRACK_PIXELS,
    ...(currentScale() ? { mmPerPixel: currentScale() as number } : {}),
  });
  state.shown = { picture, result, measurements };
  render();
  const found = measurements.total.count;
  setStatus(
    `Done in ${formatDuration(result.timings.totalMs)} on ${result.backend}: ${
      found === 0 ? 'no cracks found' : `${found} crack${found === 1 ? '' : 's'} found`
    }${scaled}.`,
    'done',
  );
  exposeResult({
    model: state.model?.id ?? '',
    picture: picture.name,
    image: picture.image,
    result,
    measurements,
  });
}

function render(): void {
  const shown = state.shown;
  if (!shown) return;
  const { result, picture, measurements } = shown;
  drawImage(ui.originalCanvas, picture.image);
  drawImage(ui.maskCanvas, maskToImage(result.mask, result.width, result.height));
  renderOverlayCanvas();
  const scale = currentScale();
  $('stat-time').textContent = formatDuration(result.timings.totalMs);
  $('stat-time').title =
    `preprocess ${formatDuration(result.timings.preprocessMs)}, inference ${formatDuration(result.timings.inferenceMs)}, postprocess ${formatDuration(result.timings.postprocessMs)}`;
  $('stat-backend').textContent = result.backend;
  $('stat-backend').title = state.backend?.detail ?? '';
  $('stat-count').textContent = String(measurements.total.count);
  $('stat-length').textContent = formatLength(measurements.total.lengthPx, scale);
  $('stat-width').textContent = formatLength(measurements.total.maxWidthPx, scale);
  $('stat-area').textContent = formatArea(measurements.total.areaPx, scale);
  ui.stats.hidden = false;
  ui.figures.hidden = false;
  ui.downloads.hidden = false;
}

function renderOverlayCanvas(): void {
  const shown = state.shown;
  if (!shown) return;
  const opacity = Number(ui.opacity.value);
  ui.opacityValue.textContent = `${Math.round(opacity * 100)}%`;
  drawImage(
    ui.overlayCanvas,
    renderOverlay(shown.picture.image, shown.result.mask, { color: OVERLAY_COLOR, opacity }),
  );
}

async function guarded(task: () => Promise<void>): Promise<void> {
  try {
    await task();
  } catch (error) {
    console.error(error);
    setStatus(`Error: ${error instanceof Error ? error.message : String(error)}`, 'error');
  }
}

// ---- photo inputs ----

function handleFiles(files: FileList | null | undefined): void {
  const file = files?.[0];
  if (!file) return;
  void guarded(async () => showPicture(await pictureFromFile(file, file.name)));
}

ui.pickButton.addEventListener('click', () => ui.fileInput.click());
ui.fileInput.addEventListener('change', () => {
  handleFiles(ui.fileInput.files);
  ui.fileInput.value = '';
});
ui.captureButton.addEventListener('click', () => ui.captureInput.click());
ui.captureInput.addEventListener('change', () => {
  handleFiles(ui.captureInput.files);
  ui.captureInput.value = '';
});

for (const type of ['dragenter', 'dragover'] as const) {
  ui.dropZone.addEventListener(type, (event) => {
    event.preventDefault();
    ui.dropZone.classList.add('dragging');
  });
}
for (const type of ['dragleave', 'drop'] as const) {
  ui.dropZone.addEventListener(type, () => ui.dropZone.classList.remove('dragging'));
}
ui.dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  handleFiles(event.dataTransfer?.files);
});
document.addEventListener('paste', (event) => handleFiles(event.clipboardData?.files));

ui.sampleButton.addEventListener('click', () => {
  const index = Math.floor(Math.random() * 1000);
  const sample = syntheticCrack(index, { seed: 7 });
  void guarded(() => showPicture({ image: sample.image, name: `synthetic-${index}` }));
});

if (canUseCamera()) ui.cameraButton.hidden = false;
else ui.captureButton.hidden = false;

ui.cameraButton.addEventListener('click', () => {
  void guarded(async () => {
    // The preview panel shows while the camera starts: Chromium may hold back playback of a video
    // that is not rendered (display: none), so play() must not be awaited with the panel hidden.
    ui.camera.hidden = false;
    ui.dropZone.hidden = true;
    try {
      state.stopCamera = await startCamera(ui.cameraVideo);
    } catch (error) {
      // No camera, or permission refused: the phone's own camera app via the file input.
      closeCamera();
      ui.cameraButton.hidden = true;
      ui.captureButton.hidden = false;
      throw new Error(
        `the camera could not start (${error instanceof Error ? error.message : error}); use "Take a photo" or choose a file`,
      );
    }
    ui.shutterButton.focus();
  });
});

function closeCamera(): void {
  state.stopCamera?.();
  state.stopCamera = null;
  ui.camera.hidden = true;
  ui.dropZone.hidden = false;
}

ui.shutterButton.addEventListener('click', () => {
  if (ui.cameraVideo.readyState < 2 || ui.cameraVideo.videoWidth === 0) {
    setStatus('The camera is still starting; try again in a moment.', 'idle');
    return;
  }
  const picture = pictureFromVideo(ui.cameraVideo);
  closeCamera();
  ui.pickButton.focus();
  void guarded(() => showPicture(picture));
});
ui.cameraCancel.addEventListener('click', () => {
  closeCamera();
  ui.cameraButton.focus();
});

// ---- settings ----

ui.threshold.addEventListener('input', () => {
  ui.thresholdValue.textContent = Number(ui.threshold.value).toFixed(2);
});
ui.threshold.addEventListener('change', () => void guarded(segmentPicture));
for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="mode"]')) {
  radio.addEventListener('change', () => void guarded(segmentPicture));
}
ui.scale.addEventListener('change', () => void guarded(segmentPicture));
ui.opacity.addEventListener('input', renderOverlayCanvas);
ui.modelSelect.addEventListener('change', () => {
  const entry = state.models.find((m) => m.id === ui.modelSelect.value);
  if (entry) void guarded(() => useModel(entry));
});

// ---- downloads ----

ui.downloadMask.addEventListener('click', () => {
  const shown = state.shown;
  if (!shown) return;
  const { result } = shown;
  downloadPng(
    maskToImage(result.mask, result.width, result.height),
    `${shown.picture.name}-mask.png`,
  );
});
ui.downloadOverlay.addEventListener('click', () => {
  const shown = state.shown;
  if (!shown) return;
  const overlay = renderOverlay(shown.picture.image, shown.result.mask, {
    color: OVERLAY_COLOR,
    opacity: Number(ui.opacity.value),
  });
  downloadPng(overlay, `${shown.picture.name}-overlay.png`);
});

// ---- start ----

void guarded(async () => {
  setStatus('Starting TensorFlow.js...', 'busy');
  const [backend, models] = await Promise.all([
    selectBackend(params.get('backend')),
    loadModelList(),
  ]);
  state.backend = backend;
  state.models = models;
  document.body.dataset.backend = backend.backend;
  for (const entry of models) ui.modelSelect.add(new Option(entry.label, entry.id));
  const wanted = models.find((m) => m.id === params.get('model')) ?? (models[0] as ModelEntry);
  ui.modelSelect.value = wanted.id;
  await useModel(wanted);
});

if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('./sw.js').catch((error) => {
      console.warn('service worker not registered; the page will not work offline', error);
    });
  });
}
