import Box from '@cloudscape-design/components/box';
import './annotated-lines.css';

export interface LineProblem {
  /** 1-based line number. */
  line: number;
  message: string;
}

/**
 * A snippet shown line by line with its numbers, each problem under the line it is about:
 * for text edited in a plain textarea (custom iPXE items).
 */
export function AnnotatedLines({ text, problems, label }: { text: string; problems: readonly LineProblem[]; label: string }) {
  const lines = text.split(/\r?\n/);
  const byLine = new Map<number, string[]>();
  for (const p of problems) byLine.set(p.line, [...(byLine.get(p.line) ?? []), p.message]);
  return (
    <div className="marrow-lines" role="group" aria-label={label}>
      {lines.map((line, index) => {
        const messages = byLine.get(index + 1);
        return (
          <div key={index} className={messages ? 'marrow-lines__row marrow-lines__row--bad' : 'marrow-lines__row'}>
            <span className="marrow-lines__number" aria-hidden="true">
              {index + 1}
            </span>
            <div className="marrow-lines__body">
              <code className="marrow-lines__code">{line || ' '}</code>
              {messages?.map((m) => (
                <Box key={m} variant="small" display="block" color="text-status-error">
                  {`Line ${index + 1}: ${m.replace(/^line \d+:\s*/, '')}`}
                </Box>
              ))}
            </div>
          </div>
        );
      })}
    </div>
  );
}
