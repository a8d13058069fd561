import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { Request, Response } from 'express';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.js';
import { formatNumber } from '../lib/format.js';

/** An uploaded package on disk: a `.zip`, or the folder holding the files that came. */
export interface ReceivedPackage {
  location: string;
  sourceName: string;
  /** The upload's own folder, to remove once the import is over. */
  dir: string;
}

export interface UploadRules {
  /** Where uploads are written, each in a folder of its own (beside the database: the same disk). */
  uploadsDir: string;
  maxBytes: number;
  /** The form's first field is its CSRF token: no file is written before it has been checked. */
  isCsrfValid: (token: string) => boolean;
  csrfFailed: () => Error;
}

const MAX_FILES = 8;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.(zip|json|csv)$/i;

/**
 * Reads a multipart upload of a Camera Trap Data Package (one `.zip`, or `datapackage.json` and its
 * CSV files) into a new temporary folder, streaming, never holding a file in memory. Refuses, and
 * removes whatever it had written: a body declared or found larger than `maxBytes` (at once, from
 * its Content-Length, when it says so), a file before the CSRF token, names that are not plain file
 * names, and uploads that are neither one zip nor a `datapackage.json` with its files.
 */
export async function receivePackageUpload(req: Request, res: Response, rules: UploadRules): Promise<ReceivedPackage> {
  if (!req.is('multipart/form-data'))
    throw new UnsupportedMediaTypeError('not_multipart', 'Send the package as a file upload (multipart/form-data).');
  const tooLarge = () => {
    // The rest of the body is not worth reading: the connection closes after the answer.
    res.setHeader('Connection', 'close');
    return new PayloadTooLargeError(
      'upload_too_large',
      `The upload is larger than the ${formatNumber(Math.round(rules.maxBytes / 1_048_576))} MB the console accepts. ` +
        'Import a package this large from the command line (npm run cli -- camtrap:import PATH).',
    );
  };
  if (Number(req.headers['content-length'] ?? 0) > rules.maxBytes) throw tooLarge();
  await fsp.mkdir(rules.uploadsDir, { recursive: true });
  const dir = await fsp.mkdtemp(path.join(rules.uploadsDir, 'upload-'));
  try {
    const names = await writeParts(req, dir, rules, tooLarge);
    return { ...packageIn(dir, names), dir };
  } catch (error) {
    req.unpipe();
    await fsp.rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function writeParts(req: Request, dir: string, rules: UploadRules, tooLarge: () => Error): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const names: string[] = [];
    const writes: Promise<void>[] = [];
    let isCsrfChecked = false;
    let bytes = 0;
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      reject(error);
    };
    const parser = busboy({
      headers: req.headers,
      limits: { files: MAX_FILES, fields: 4, fieldSize: 1024, parts: MAX_FILES + 4, fileSize: rules.maxBytes },
    });
    parser.on('field', (name, value) => {
      if (name !== '_csrf') return;
      if (!rules.isCsrfValid(value)) return fail(rules.csrfFailed());
      isCsrfChecked = true;
    });
    parser.on('file', (_field, stream, info) => {
      if (failed) return stream.resume();
      if (!info.filename) return stream.resume(); // a file input left empty
      const problem = !isCsrfChecked ? rules.csrfFailed() : fileNameProblem(info.filename, names);
      if (problem) {
        stream.resume();
        return fail(problem);
      }
      names.push(info.filename);
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > rules.maxBytes) fail(tooLarge());
      });
      stream.on('limit', () => fail(tooLarge()));
      writes.push(pipeline(stream, fs.createWriteStream(path.join(dir, info.filename))));
    });
    parser.on('filesLimit', () => fail(new BadRequestError('too_many_files', `Upload at most ${MAX_FILES} files.`)));
    parser.on('error', (error: Error) =>
      fail(new BadRequestError('bad_upload', `The upload could not be read: ${error.message}`)),
    );
    parser.on('close', () => {
      Promise.all(writes).then(
        () => (failed ? undefined : isCsrfChecked ? resolve(names) : fail(rules.csrfFailed())),
        (error: Error) => fail(error),
      );
    });
    req.on('close', () => {
      if (!req.complete) fail(new BadRequestError('upload_aborted', 'The upload was cut short.'));
    });
    req.pipe(parser);
  });
}

function fileNameProblem(name: string, taken: string[]): Error | null {
  if (!FILE_NAME.test(name) || name.includes('..'))
    return new BadRequestError(
      'bad_file_name',
      `"${name.slice(0, 80)}" is not a package file: upload a .zip, or datapackage.json and the .csv files it names.`,
    );
  if (taken.some((other) => other.toLowerCase() === name.toLowerCase()))
    return new BadRequestError('duplicate_file', `${name} was uploaded twice.`);
  return null;
}

function packageIn(dir: string, names: string[]): { location: string; sourceName: string } {
  const zips = names.filter((name) => /\.zip$/i.test(name));
  if (names.length === 0)
    throw new BadRequestError('no_package', 'Choose a .zip of the package, or its datapackage.json and CSV files.');
  if (zips.length === 1 && names.length === 1) return { location: path.join(dir, zips[0]!), sourceName: zips[0]! };
  if (zips.length > 0)
    throw new BadRequestError('mixed_upload', 'Upload either one .zip of the package, or its files, not both.');
  if (!names.includes('datapackage.json'))
    throw new BadRequestError('no_descriptor', 'The upload has no datapackage.json: add it beside the CSV files.');
  return { location: dir, sourceName: names.join(', ') };
}
