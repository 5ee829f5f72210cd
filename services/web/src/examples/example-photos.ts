/**
 * The example photos the page offers to try with one click: redistributable photos of this repository
 * (evaluation/dataset/images, samples/), copied unchanged into photos/, with 192 px WebP thumbnails in thumbnails/.
 * ATTRIBUTION.md beside this file has their sources and licences; the page shows them under each photo.
 */
export interface ExamplePhoto {
  file: string;
  title: string;
  /** Where the photo comes from, shown and linked under it. */
  source: { label: string; url: string };
  licence: { label: string; url: string };
  /** The copy's origin in this repository (checked byte for byte by the tests). */
  repositoryPath: string;
}

const CC_BY = { label: 'CC BY 2.0', url: 'https://creativecommons.org/licenses/by/2.0/' };
const flickr = (url: string) => ({ label: 'Flickr (COCO)', url });

export const EXAMPLE_PHOTOS: readonly ExamplePhoto[] = [
  {
    file: '000000000471.jpg',
    title: 'Bus stop',
    source: flickr('http://farm1.staticflickr.com/48/124140140_1fcfaec779_z.jpg'),
    licence: CC_BY,
    repositoryPath: 'evaluation/dataset/images/000000000471.jpg',
  },
  {
    file: '000000000544.jpg',
    title: 'Baseball',
    source: flickr('http://farm4.staticflickr.com/3067/2971164023_f0d41f48c0_z.jpg'),
    licence: CC_BY,
    repositoryPath: 'evaluation/dataset/images/000000000544.jpg',
  },
  {
    file: '000000000370.jpg',
    title: 'Broccoli',
    source: flickr('http://farm3.staticflickr.com/2038/2384116868_a68f6720f5_z.jpg'),
    licence: CC_BY,
    repositoryPath: 'evaluation/dataset/images/000000000370.jpg',
  },
  {
    file: '000000000092.jpg',
    title: 'Cake',
    source: flickr('http://farm4.staticflickr.com/3311/3229338700_88de96bf5c_z.jpg'),
    licence: { label: 'CC BY-SA 2.0', url: 'https://creativecommons.org/licenses/by-sa/2.0/' },
    repositoryPath: 'evaluation/dataset/images/000000000092.jpg',
  },
  {
    file: 'astronaut.jpg',
    title: 'Astronaut',
    source: { label: 'NASA', url: 'https://flic.kr/p/r9qvLn' },
    licence: { label: 'public domain', url: 'https://www.nasa.gov/nasa-brand-center/images-and-media/' },
    repositoryPath: 'samples/astronaut.jpg',
  },
];
