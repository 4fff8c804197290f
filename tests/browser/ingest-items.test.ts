// Images (files, folders, zip) and .txt files through the ingest bridge, in real Chromium. Bad
// inputs assert the exact sentence and an unchanged database.
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { describeImportError } from '../../src/data/import-errors';
import type { ImageImportPlan } from '../../src/data/import-types';
import { counts, fixtureFile, pngFile, setUp } from './ingest-helpers';
import corruptPngUrl from '../fixtures/data/corrupt.png?url';
import notAZipUrl from '../fixtures/data/not-a-zip.zip?url';
import folderAUrl from '../fixtures/data/images-with-text/cats/a.png?url';
import folderBUrl from '../fixtures/data/images-with-text/cats/b.png?url';
import folderTxtUrl from '../fixtures/data/images-with-text/notes.txt?url';

const imagePlan = (overrides: Partial<ImageImportPlan> = {}): ImageImportPlan => ({
  projectId: 'p1',
  name: 'images',
  role: 'pool',
  imageSize: 8,
  labelFromFolder: true,
  importLabels: 1,
  ...overrides,
});

describe('image import', () => {
  it('imports a folder: pixels, thumbnails, labels from folder names, duplicates found', async () => {
    const { bridge, db, repo } = setUp('images');
    const red = await pngFile('a.png', [255, 0, 0]);
    const files = [
      { file: red, path: 'set/cats/a.png' },
      { file: await pngFile('b.png', [0, 0, 255]), path: 'set/dogs/b.png' },
      {
        file: new File([await red.arrayBuffer()], 'c.png', { type: 'image/png' }),
        path: 'set/cats/c.png',
      },
    ];
    const result = await bridge.importImages(
      files,
      imagePlan({ labelMap: { cats: 'k-cat', dogs: 'k-dog' } }),
    );
    if (!result.ok) throw new Error(describeImportError(result.error));
    const { source, labelsImported } = result.value;
    expect(source.rowCount).toBe(3);
    expect(labelsImported).toBe(3);
    expect(source.columns.find((c) => c.name === 'label')?.vocab).toEqual(['cats', 'dogs']);
    const itemId = `${source.id}:0`;
    const pixels = await repo.getBlob(itemId, 'pixels');
    expect(pixels?.width).toBe(8);
    const rgb = new Uint8Array(pixels!.data as ArrayBuffer);
    expect(rgb.length).toBe(8 * 8 * 3);
    // Bottom-left pixel is the fill colour (the white stripe is at the top).
    expect(Array.from(rgb.slice(7 * 8 * 3, 7 * 8 * 3 + 3))).toEqual([255, 0, 0]);
    const thumb = await repo.getBlob(itemId, 'thumbnail');
    expect(thumb?.data).toBeInstanceOf(Blob);
    const labels = await db.annotations.toArray();
    expect(labels.map((a) => a.label).sort()).toEqual(['k-cat', 'k-cat', 'k-dog']);
    expect(source.quality?.findings.some((f) => f.kind === 'exact-duplicates')).toBe(true);
  });

  it('imports a zip archive', async () => {
    const { bridge } = setUp('zip');
    const bytes = async (rgb: [number, number, number]) =>
      new Uint8Array(await (await pngFile('x.png', rgb)).arrayBuffer());
    const zip = zipSync({
      'digits/1/a.png': await bytes([10, 10, 10]),
      'digits/2/b.png': await bytes([200, 200, 200]),
      'digits/readme.md': new TextEncoder().encode('hello'),
      '__MACOSX/digits/._a.png': new Uint8Array([0]),
    });
    const result = await bridge.importImages({ zip: new File([zip], 'digits.zip') }, imagePlan());
    if (!result.ok) throw new Error(describeImportError(result.error));
    expect(result.value.source.rowCount).toBe(2);
    expect(result.value.skipped).toEqual([
      { reason: 'not an image', count: 1, examples: ['digits/readme.md'] },
    ]);
  });

  it('a folder with a .txt among images: imports the images, lists the text file', async () => {
    const { bridge } = setUp('folder-txt');
    const files = [
      {
        file: await fixtureFile(folderAUrl, 'a.png', 'image/png'),
        path: 'images-with-text/cats/a.png',
      },
      {
        file: await fixtureFile(folderBUrl, 'b.png', 'image/png'),
        path: 'images-with-text/cats/b.png',
      },
      {
        file: await fixtureFile(folderTxtUrl, 'notes.txt', 'text/plain'),
        path: 'images-with-text/notes.txt',
      },
    ];
    const result = await bridge.importImages(files, imagePlan());
    if (!result.ok) throw new Error(describeImportError(result.error));
    expect(result.value.source.rowCount).toBe(2);
    expect(result.value.skipped).toEqual([
      { reason: 'not an image', count: 1, examples: ['images-with-text/notes.txt'] },
    ]);
  });

  it('a corrupt image is skipped and listed; alone it fails with a clear message', async () => {
    const { bridge, db } = setUp('corrupt');
    const corrupt = await fixtureFile(corruptPngUrl, 'corrupt.png', 'image/png');
    const good = await pngFile('ok.png', [1, 2, 3]);
    const mixed = await bridge.importImages([corrupt, good], imagePlan({ labelFromFolder: false }));
    expect(mixed.ok && mixed.value.skipped).toEqual([
      { reason: 'unreadable image', count: 1, examples: ['corrupt.png'] },
    ]);
    const before = await counts(db);
    const alone = await bridge.importImages([corrupt], imagePlan());
    expect(!alone.ok && describeImportError(alone.error)).toBe(
      'No image could be read: 1 file is damaged or in an unsupported format (corrupt.png).',
    );
    expect(await counts(db)).toEqual(before);
  });

  it('not-a-zip.zip and a folder without images fail, changing nothing', async () => {
    const { bridge, db } = setUp('not-zip');
    const before = await counts(db);
    const zip = await bridge.importImages(
      { zip: await fixtureFile(notAZipUrl, 'not-a-zip.zip') },
      imagePlan(),
    );
    expect(!zip.ok && describeImportError(zip.error)).toBe(
      'The file is not a zip archive (or it is damaged).',
    );
    const none = await bridge.importImages([new File(['x'], 'notes.txt')], imagePlan());
    expect(!none.ok && describeImportError(none.error)).toBe(
      'No images found: 1 file is not an image (notes.txt).',
    );
    expect(await counts(db)).toEqual(before);
  });
});

describe('text files import', () => {
  it('imports .txt files as one item each, skipping others', async () => {
    const { bridge, repo } = setUp('texts');
    const result = await bridge.importTextFiles(
      [
        new File(['hello world'], 'a.txt'),
        new File(['second\nfile'], 'b.txt'),
        new File(['{}'], 'c.json'),
      ],
      { projectId: 'p1', name: 'texts', role: 'pool' },
    );
    if (!result.ok) throw new Error(describeImportError(result.error));
    expect(result.value.source.rowCount).toBe(2);
    const chunk = await repo.getChunk(result.value.source.id, 0);
    expect(chunk?.columns.text).toEqual({ kind: 'str', values: ['hello world', 'second\nfile'] });
    expect(result.value.skipped[0]?.examples).toEqual(['c.json']);
  });

  it('a .txt file that is not UTF-8 names the file and the byte offset', async () => {
    const { bridge, db } = setUp('texts-bad');
    const before = await counts(db);
    const result = await bridge.importTextFiles(
      [new File(['fine'], 'a.txt'), new File([new Uint8Array([0x61, 0x62, 0xff, 0x63])], 'b.txt')],
      { projectId: 'p1', name: 'texts', role: 'pool' },
    );
    expect(!result.ok && describeImportError(result.error)).toBe(
      '"b.txt" is not valid UTF-8 text: the bytes at offset 2 cannot be decoded. Save it as UTF-8 and import again.',
    );
    expect(await counts(db)).toEqual(before);
  });
});
