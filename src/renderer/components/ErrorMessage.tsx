import { errorText } from '../errors';

/** The typed error's message, announced to screen readers. Renders nothing without an error. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  return (
    <p className="error" role="alert" data-testid="error">
      {errorText(error)}
    </p>
  );
}
