// @crack/data/node: everything that needs the file system (Node only). Kept out of the main
// entry so browser bundles of @crack/data never pull node: built-ins.
export {
  type DownloadCfdOptions,
  type DownloadCfdResult,
  downloadCfd,
} from './node/download-cfd.js';
export {
  type FolderDataset,
  FolderDatasetError,
  type FolderProblem,
  type LoadFolderDatasetOptions,
  loadFolderDataset,
} from './node/load-folder-dataset.js';
export { type ReadImageFileOptions, readImageFile } from './node/read-image-file.js';
export { writeFileAtomic } from './node/write-file-atomic.js';
export { writePngFile } from './node/write-png-file.js';
