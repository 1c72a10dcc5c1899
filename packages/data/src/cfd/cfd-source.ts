/**
 * Where {@link node!downloadCfd} (`@crack/data/node`) fetches CrackForest from by default: raw files of the public
 * `cuilimeng/CrackForest-dataset` GitHub repository (`image/NNN.jpg`, `seg/NNN.seg`).
 */
export const CFD_BASE_URL =
  'https://raw.githubusercontent.com/cuilimeng/CrackForest-dataset/master';
