import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { BadRequestError } from '../errors.js';

/**
 * Where a package's files come from: a folder, a `datapackage.json` beside its CSV files, or a
 * `.zip` of them. Files are read as streams; a zip is read entry by entry, never unpacked to disk.
 */
export interface PackageSource {
  /** The package's descriptor, parsed. */
  readDescriptor(): Promise<unknown>;
  /** A resource file, by its path relative to the descriptor. */
  open(resourcePath: string): Promise<Readable>;
  /** Bytes of a resource file as stored, for progress (the uncompressed size in a zip). */
  sizeOf(resourcePath: string): number;
  close(): void;
}

/** A zip holding more than this, once inflated, is refused: a season of the park is well under it. */
export const ZIP_MAX_UNCOMPRESSED_BYTES = 4 * 1024 ** 3;
/** Inflating a file more than this many times over is how zip bombs work; real CSV files compress 5 to 20 times. */
const ZIP_MAX_RATIO = 200;
const ZIP_MAX_ENTRIES = 1000;
const DESCRIPTOR = 'datapackage.json';

/** Opens what a person pointed at: a `.zip`, a `datapackage.json`, or a folder holding one. */
export async function openPackageSource(location: string): Promise<PackageSource> {
  const stat = fs.statSync(location, { throwIfNoEntry: false });
  if (!stat) throw new BadRequestError('package_not_found', `There is no file or folder at ${location}.`);
  if (stat.isDirectory()) return folderSource(location);
  if (location.toLowerCase().endsWith('.zip')) return zipSource(location);
  if (path.basename(location) === DESCRIPTOR) return folderSource(path.dirname(location));
  throw new BadRequestError('not_a_package', `${location} is not a .zip, a datapackage.json or a folder.`);
}

function folderSource(folder: string): PackageSource {
  const inside = (resourcePath: string) => path.join(folder, safeRelative(resourcePath));
  return {
    async readDescriptor() {
      const file = path.join(folder, DESCRIPTOR);
      if (!fs.existsSync(file)) throw new BadRequestError('no_descriptor', `There is no ${DESCRIPTOR} in ${folder}.`);
      return parseDescriptor(fs.readFileSync(file, 'utf8'));
    },
    async open(resourcePath) {
      const file = inside(resourcePath);
      if (!fs.existsSync(file))
        throw new BadRequestError('missing_resource', `The package names ${resourcePath}, which is not there.`);
      return fs.createReadStream(file);
    },
    sizeOf: (resourcePath) => fs.statSync(inside(resourcePath), { throwIfNoEntry: false })?.size ?? 0,
    close() {},
  };
}

/** A resource's path as the package gives it: a plain relative path, never one that leaves the package. */
export function safeRelative(resourcePath: string): string {
  const normal = path.posix.normalize(resourcePath.replaceAll('\\', '/'));
  if (normal.startsWith('/') || normal.startsWith('../') || normal === '..' || /^[a-z][a-z0-9+.-]*:/i.test(normal)) {
    throw new BadRequestError(
      'unsafe_path',
      `The path "${resourcePath}" points outside the package; resources must be files inside it.`,
    );
  }
  return normal;
}

function parseDescriptor(text: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new BadRequestError('invalid_descriptor', `${DESCRIPTOR} is not valid JSON.`);
  }
}

async function zipSource(file: string): Promise<PackageSource> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(
      file,
      { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: true },
      (error, opened) =>
        error
          ? reject(
              new BadRequestError(
                'invalid_zip',
                `${path.basename(file)} is not a zip file that can be read (${error.message}).`,
              ),
            )
          : resolve(opened),
    ),
  );
  try {
    const entries = await listEntries(zip);
    // A package zipped with its folder holds its files one level down.
    const descriptor = [...entries.keys()]
      .filter((name) => path.posix.basename(name) === DESCRIPTOR)
      .sort((a, b) => a.length - b.length)[0];
    if (!descriptor) throw new BadRequestError('no_descriptor', `There is no ${DESCRIPTOR} in ${path.basename(file)}.`);
    const root = path.posix.dirname(descriptor) === '.' ? '' : `${path.posix.dirname(descriptor)}/`;
    const entryOf = (resourcePath: string) => entries.get(`${root}${safeRelative(resourcePath)}`);
    const openEntry = (entry: yauzl.Entry) =>
      new Promise<Readable>((resolve, reject) =>
        zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))),
      );
    return {
      async readDescriptor() {
        const chunks: Buffer[] = [];
        for await (const chunk of await openEntry(entries.get(descriptor)!)) chunks.push(chunk as Buffer);
        return parseDescriptor(Buffer.concat(chunks).toString('utf8'));
      },
      async open(resourcePath) {
        const entry = entryOf(resourcePath);
        if (!entry)
          throw new BadRequestError('missing_resource', `The package names ${resourcePath}, which is not in the zip.`);
        return openEntry(entry);
      },
      sizeOf: (resourcePath) => entryOf(resourcePath)?.uncompressedSize ?? 0,
      close: () => zip.close(),
    };
  } catch (error) {
    zip.close();
    throw error;
  }
}

/** Every entry by name, refusing what would escape the folder and what inflates like a bomb. */
function listEntries(zip: yauzl.ZipFile): Promise<Map<string, yauzl.Entry>> {
  if (zip.entryCount > ZIP_MAX_ENTRIES) {
    return Promise.reject(
      new BadRequestError('zip_too_many_files', `The zip holds ${zip.entryCount} files; a package has a handful.`),
    );
  }
  return new Promise((resolve, reject) => {
    const entries = new Map<string, yauzl.Entry>();
    let total = 0;
    zip.on('error', (error: Error) =>
      reject(
        /(absolute|relative) path/.test(error.message)
          ? new BadRequestError(
              'unsafe_zip',
              `The zip holds a path outside its own folder (${error.message}); it is refused.`,
            )
          : new BadRequestError('invalid_zip', `The zip could not be read: ${error.message}`),
      ),
    );
    zip.on('entry', (entry: yauzl.Entry) => {
      const problem = entryProblem(entry);
      if (problem) return reject(new BadRequestError('unsafe_zip', problem));
      total += entry.uncompressedSize;
      if (total > ZIP_MAX_UNCOMPRESSED_BYTES)
        return reject(
          new BadRequestError('zip_too_large', 'The zip unpacks to more than 4 GB; that is not a camera-trap package.'),
        );
      if (!entry.fileName.endsWith('/')) entries.set(entry.fileName, entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.readEntry();
  });
}

function entryProblem(entry: yauzl.Entry): string | null {
  try {
    safeRelative(entry.fileName);
  } catch {
    return `The zip holds "${entry.fileName}", a path outside its own folder; it is refused.`;
  }
  const ratio = entry.uncompressedSize / Math.max(entry.compressedSize, 1);
  if (entry.uncompressedSize > 1024 ** 2 && ratio > ZIP_MAX_RATIO) {
    return `"${entry.fileName}" inflates ${Math.round(ratio)} times over: the zip looks built to exhaust the server, and is refused.`;
  }
  return null;
}
