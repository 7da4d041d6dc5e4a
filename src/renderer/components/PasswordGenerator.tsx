/**
 * The generator in the item editor: characters or a passphrase, with options, a
 * visible preview and its strength, and nothing set until the person chooses
 * "Use this". Randomness is the browser's crypto.getRandomValues.
 */
import { useState } from 'react';
import { CHARACTER_SETS, DEFAULT_CHARACTERS, DEFAULT_PASSPHRASE, entropyBits, generate, type CharacterSet, type GeneratorOptions } from '../../core/generator/generator';
import { passphraseWords } from '../items/strength';
import { StrengthMeter } from './StrengthMeter';

const SET_LABELS: Record<CharacterSet, string> = { lower: 'a–z', upper: 'A–Z', digits: '0–9', symbols: '!#$%…' };

const fill = (b: Uint8Array) => void crypto.getRandomValues(b);

function make(o: GeneratorOptions): string {
  return generate(o, fill, o.mode === 'passphrase' ? passphraseWords() : []);
}

export function PasswordGenerator({ onUse, onCancel }: { onUse: (value: string) => void; onCancel: () => void }) {
  const [options, setOptions] = useState<GeneratorOptions>(DEFAULT_CHARACTERS);
  const [value, setValue] = useState(() => make(DEFAULT_CHARACTERS));
  const update = (o: GeneratorOptions) => {
    setOptions(o);
    setValue(make(o));
  };
  const bits = Math.round(entropyBits(options, passphraseWords().length));
  return (
    <div className="generator card" data-testid="generator">
      <div className="row" role="radiogroup" aria-label="Kind">
        <label className="check">
          <input type="radio" checked={options.mode === 'characters'} onChange={() => update(DEFAULT_CHARACTERS)} /> Characters
        </label>
        <label className="check">
          <input type="radio" checked={options.mode === 'passphrase'} onChange={() => update(DEFAULT_PASSPHRASE)} data-testid="gen-passphrase" /> Passphrase
        </label>
      </div>
      {options.mode === 'characters' ? (
        <>
          <label>
            Length {options.length}
            <input type="range" min={8} max={64} value={options.length} onChange={(e) => update({ ...options, length: Number(e.target.value) })} data-testid="gen-length" />
          </label>
          <div className="row">
            {(Object.keys(CHARACTER_SETS) as CharacterSet[]).map((set) => (
              <label key={set}>
                <input
                  type="checkbox"
                  checked={options.sets.includes(set)}
                  // The last set cannot be unticked: a password needs characters.
                  disabled={options.sets.length === 1 && options.sets.includes(set)}
                  onChange={(e) => update({ ...options, sets: e.target.checked ? [...options.sets, set] : options.sets.filter((s) => s !== set) })}
                  data-testid={`gen-set-${set}`}
                />{' '}
                {SET_LABELS[set]}
              </label>
            ))}
          </div>
          <label className="check">
            <input type="checkbox" checked={options.avoidAmbiguous} onChange={(e) => update({ ...options, avoidAmbiguous: e.target.checked })} /> Avoid look-alikes (0 O 1 l I)
          </label>
        </>
      ) : (
        <>
          <label>
            Words {options.words}
            <input type="range" min={3} max={10} value={options.words} onChange={(e) => update({ ...options, words: Number(e.target.value) })} data-testid="gen-words" />
          </label>
          <div className="row">
            <label>
              Separator
              <select value={options.separator} onChange={(e) => update({ ...options, separator: e.target.value })}>
                <option value="-">-</option>
                <option value=" ">space</option>
                <option value=".">.</option>
                <option value="_">_</option>
              </select>
            </label>
            <label className="check">
              <input type="checkbox" checked={options.capitalize} onChange={(e) => update({ ...options, capitalize: e.target.checked })} /> Capitalise
            </label>
            <label className="check">
              <input type="checkbox" checked={options.addDigit} onChange={(e) => update({ ...options, addDigit: e.target.checked })} /> Add a digit
            </label>
          </div>
        </>
      )}
      <output className="mono generated" data-testid="gen-preview">
        {value}
      </output>
      <p className="muted">About {bits} bits of randomness.</p>
      <StrengthMeter password={value} />
      <div className="row">
        <button type="button" onClick={() => setValue(make(options))}>
          Regenerate
        </button>
        <button type="button" onClick={() => onUse(value)} data-testid="gen-use">
          Use this
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
