import type { VideoTrack } from '../api/types.js';
import { formatCount, formatMediaTime, formatScore } from '../logic/format.js';
import { trackColour } from '../logic/track-style.js';

interface TrackListProps {
  tracks: readonly VideoTrack[];
  onSeek: (track: VideoTrack) => void;
}

/** One row per track (label, first and last time, frames seen, best score); a row's button seeks the player. */
export function TrackList({ tracks, onSeek }: TrackListProps) {
  return (
    <section class="tracks" aria-labelledby="tracks-heading">
      <h3 id="tracks-heading">
        Tracks <span class="objects-count">{formatCount(tracks.length, 'track')}</span>
      </h3>
      {tracks.length === 0 ? (
        <p class="hint">No object was tracked in this video.</p>
      ) : (
        <div class="table-scroll">
          <table class="objects-table tracks-table" data-testid="track-table">
            <thead>
              <tr>
                <th scope="col">Track</th>
                <th scope="col">First seen</th>
                <th scope="col">Last seen</th>
                <th scope="col">Frames</th>
                <th scope="col">Best score</th>
              </tr>
            </thead>
            <tbody>
              {tracks.map((track) => (
                <tr key={track.track_id} data-testid="track-row" data-track-id={track.track_id}>
                  <td>
                    <button
                      type="button"
                      class="row-button"
                      onClick={() => onSeek(track)}
                      title={`Play from ${formatMediaTime(track.first_timestamp)}`}
                    >
                      <span
                        class="swatch"
                        style={{ background: trackColour(track.track_id, track.label) }}
                        aria-hidden="true"
                      />
                      #{track.track_id} {track.label}
                    </button>
                  </td>
                  <td class="mono">{formatMediaTime(track.first_timestamp)}</td>
                  <td class="mono">{formatMediaTime(track.last_timestamp)}</td>
                  <td class="mono">{track.frames_seen}</td>
                  <td class="mono">{formatScore(track.best_score)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
