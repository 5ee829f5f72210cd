import { useState } from 'preact/hooks';
import { EXAMPLES } from '../examples/example-urls.js';

interface ExampleGalleryProps {
  busy: boolean;
  onFile: (file: File) => void;
  onError: (message: string) => void;
}

/** The repository's own redistributable photos, each a one-click upload, with its source and licence shown. */
export function ExampleGallery({ busy, onFile, onError }: ExampleGalleryProps) {
  const [loading, setLoading] = useState<string | null>(null);
  const tryExample = async (example: (typeof EXAMPLES)[number]) => {
    setLoading(example.file);
    try {
      const response = await fetch(example.photo);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const blob = await response.blob();
      onFile(new File([blob], example.file, { type: blob.type || 'image/jpeg' }));
    } catch (error) {
      onError(`The example photo ${example.file} could not be loaded (${(error as Error).message}).`);
    } finally {
      setLoading(null);
    }
  };
  return (
    <section class="examples" aria-labelledby="examples-heading" data-testid="examples">
      <h3 id="examples-heading">Or try an example photo</h3>
      <ul class="examples-list">
        {EXAMPLES.map((example) => (
          <li key={example.file} class="example">
            <button
              type="button"
              class="example-button"
              disabled={busy || loading !== null}
              data-testid="example"
              data-file={example.file}
              onClick={() => void tryExample(example)}
            >
              <img src={example.thumbnail} alt="" loading="lazy" decoding="async" />
              <span class="example-title">{example.title}</span>
            </button>
            <span class="example-credit" data-testid="example-credit">
              <a href={example.source.url} rel="noopener noreferrer">
                {example.source.label}
              </a>
              ,{' '}
              <a href={example.licence.url} rel="noopener noreferrer license">
                {example.licence.label}
              </a>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
