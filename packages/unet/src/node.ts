export { type NodeFileSystemOptions, nodeFileSystem } from './io/node-file-system';
