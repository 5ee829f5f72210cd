import { useEffect, useRef, useState } from 'preact/hooks';

interface WebcamCaptureProps {
  busy: boolean;
  onFile: (file: File) => void;
}

/** Whether the browser lists a camera (labels stay hidden until permission; the kind does not). */
function useHasCamera(): boolean {
  const [hasCamera, setHasCamera] = useState(false);
  useEffect(() => {
    const devices = navigator.mediaDevices;
    if (!devices?.enumerateDevices || !devices.getUserMedia) return;
    let active = true;
    const check = () =>
      devices
        .enumerateDevices()
        .then((list) => {
          if (active) setHasCamera(list.some((device) => device.kind === 'videoinput'));
        })
        .catch(() => {
          if (active) setHasCamera(false);
        });
    void check();
    devices.addEventListener('devicechange', check);
    return () => {
      active = false;
      devices.removeEventListener('devicechange', check);
    };
  }, []);
  return hasCamera;
}

/** A snapshot from the camera (getUserMedia), uploaded like a file; not shown where there is no camera. */
export function WebcamCapture({ busy, onFile }: WebcamCaptureProps) {
  const hasCamera = useHasCamera();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
  const video = useRef<HTMLVideoElement>(null);
  const stream = useRef<MediaStream | null>(null);

  const stop = () => {
    for (const track of stream.current?.getTracks() ?? []) track.stop();
    stream.current = null;
    setReady(false);
  };

  useEffect(() => {
    if (!open) return;
    let cancelled = false;
    setError(null);
    navigator.mediaDevices
      .getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false })
      .then((media) => {
        if (cancelled) {
          for (const track of media.getTracks()) track.stop();
          return;
        }
        stream.current = media;
        if (video.current) video.current.srcObject = media;
      })
      .catch((caught: Error) =>
        setError(
          caught.name === 'NotAllowedError'
            ? 'The browser did not allow the camera. Allow it for this page and try again.'
            : `The camera could not be started (${caught.message || caught.name}).`,
        ),
      );
    return () => {
      cancelled = true;
      stop();
    };
  }, [open]);

  if (!hasCamera) return null;

  const capture = () => {
    const element = video.current;
    if (!element || element.videoWidth === 0) return;
    const canvas = document.createElement('canvas');
    canvas.width = element.videoWidth;
    canvas.height = element.videoHeight;
    canvas.getContext('2d')?.drawImage(element, 0, 0);
    canvas.toBlob(
      (blob) => {
        if (!blob) return setError('The snapshot could not be encoded.');
        const stamp = new Date()
          .toISOString()
          .replace(/[:.]/g, '-')
          .replace(/-\d{3}Z$/, 'Z');
        setOpen(false);
        onFile(new File([blob], `camera-${stamp}.jpg`, { type: 'image/jpeg' }));
      },
      'image/jpeg',
      0.92,
    );
  };

  if (!open) {
    return (
      <button type="button" class="button camera-open" disabled={busy} onClick={() => setOpen(true)}>
        Take a photo with the camera
      </button>
    );
  }
  return (
    <section class="camera" aria-labelledby="camera-heading" data-testid="camera">
      <h3 id="camera-heading">Camera</h3>
      <video
        ref={video}
        class="camera-video"
        autoplay
        muted
        playsInline
        aria-label="Camera preview"
        onLoadedData={() => setReady(true)}
      />
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      <div class="camera-actions">
        <button type="button" class="button button-primary" disabled={!ready || busy} onClick={capture}>
          Capture and detect
        </button>
        <button type="button" class="button button-quiet" onClick={() => setOpen(false)}>
          Close camera
        </button>
      </div>
    </section>
  );
}
