// Block scalars (`|` literal, `>` folded) as YAML 1.2 reads them (spec chapter 8.1), decoded
// from their lines: the outline reads them this way, and the printer checks what it writes
// against it before it lets a block scalar out.

export interface BlockHeader {
  style: 'literal' | 'folded';
  chomp: 'clip' | 'strip' | 'keep';
  /** The explicit indentation indicator, 0 when there is none. */
  indicator: number;
  /** Where the header's indicators end (a comment may follow). */
  length: number;
}

/** The header at the start of `text` (`|`, `>-`, `|2+`, `>+1`, ...); undefined if none. */
export function blockHeader(text: string): BlockHeader | undefined {
  const m = /^([|>])(?:([1-9])([-+])?|([-+])([1-9])?)?(?=[ \t]|$|\n)/.exec(text);
  if (!m) return undefined;
  const chomp = m[3] ?? m[4];
  return {
    style: m[1] === '|' ? 'literal' : 'folded',
    chomp: chomp === '-' ? 'strip' : chomp === '+' ? 'keep' : 'clip',
    indicator: Number(m[2] ?? m[5] ?? 0),
    length: m[0].length,
  };
}

/**
 * The value of a block scalar from its content lines with their indentation taken off (a line
 * of nothing but fewer spaces than the indentation is ''). A line of more spaces than the
 * indentation is text (its spaces are content), as in YAML.
 */
export function blockValue(header: Pick<BlockHeader, 'style' | 'chomp'>, lines: string[]): string {
  let end = lines.length;
  while (end > 0 && lines[end - 1] === '') end--;
  if (end === 0) return header.chomp === 'keep' ? '\n'.repeat(lines.length) : '';
  let body: string;
  if (header.style === 'literal') body = lines.slice(0, end).join('\n');
  else {
    // Folding: a line break between two lines that start with neither a space nor a tab
    // becomes a space, or goes when empty lines follow it (each of which is a line feed); a
    // break next to a more-indented line stays.
    let i = 0;
    body = '';
    while (lines[i] === '') {
      body += '\n';
      i++;
    }
    let previous = lines[i] as string;
    body += previous;
    for (i++; i < end; i++) {
      let empty = 0;
      while (lines[i] === '') {
        empty++;
        i++;
      }
      const line = lines[i] as string;
      body +=
        isMoreIndented(previous) || isMoreIndented(line)
          ? '\n'.repeat(empty + 1)
          : empty === 0
            ? ' '
            : '\n'.repeat(empty);
      body += line;
      previous = line;
    }
  }
  if (header.chomp === 'strip') return body;
  if (header.chomp === 'clip') return `${body}\n`;
  return `${body}\n${'\n'.repeat(lines.length - end)}`;
}

function isMoreIndented(line: string): boolean {
  const c = line.charCodeAt(0);
  return c === 32 || c === 9;
}

/**
 * The content lines of a block scalar whose lines (after its header line) are `lines`, at
 * `indent` columns; undefined when a line that is not blank is less indented (it would end the
 * scalar).
 */
export function contentLines(lines: readonly string[], indent: number): string[] | undefined {
  const out: string[] = [];
  for (const line of lines) {
    let spaces = 0;
    while (spaces < line.length && line.charCodeAt(spaces) === 32) spaces++;
    if (spaces === line.length && spaces <= indent) out.push('');
    else if (spaces < indent) return undefined;
    else out.push(line.slice(indent));
  }
  return out;
}
