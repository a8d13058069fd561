import express from 'express';

/**
 * Parses `application/x-www-form-urlencoded` bodies up to `limit` bytes and `fields` fields; a
 * larger body is refused with 413 before anything reads it. The first parser mounted for a path
 * wins (a parsed body is not parsed again), so the most specific path is mounted first.
 */
export function formBodies(limit: string, fields: number) {
  return express.urlencoded({ extended: false, limit, parameterLimit: fields });
}
