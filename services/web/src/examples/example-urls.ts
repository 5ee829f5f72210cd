// Vite turns each import into the URL of a content-hashed copy under assets/ (cached for good by the backend).

import { EXAMPLE_PHOTOS, type ExamplePhoto } from './example-photos.js';
import cakePhoto from './photos/000000000092.jpg';
import broccoliPhoto from './photos/000000000370.jpg';
import busPhoto from './photos/000000000471.jpg';
import baseballPhoto from './photos/000000000544.jpg';
import astronautPhoto from './photos/astronaut.jpg';
import cakeThumbnail from './thumbnails/000000000092.webp';
import broccoliThumbnail from './thumbnails/000000000370.webp';
import busThumbnail from './thumbnails/000000000471.webp';
import baseballThumbnail from './thumbnails/000000000544.webp';
import astronautThumbnail from './thumbnails/astronaut.webp';

const urls: Record<string, { photo: string; thumbnail: string }> = {
  '000000000471.jpg': { photo: busPhoto, thumbnail: busThumbnail },
  '000000000544.jpg': { photo: baseballPhoto, thumbnail: baseballThumbnail },
  '000000000370.jpg': { photo: broccoliPhoto, thumbnail: broccoliThumbnail },
  '000000000092.jpg': { photo: cakePhoto, thumbnail: cakeThumbnail },
  'astronaut.jpg': { photo: astronautPhoto, thumbnail: astronautThumbnail },
};

export const EXAMPLES: (ExamplePhoto & { photo: string; thumbnail: string })[] = EXAMPLE_PHOTOS.map(
  (example) => ({ ...example, ...urls[example.file]! }),
);
