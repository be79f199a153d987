// The shell commands and chart values a reader copies out of README.md, docs/ and chart/README.md: the
// lines of ```sh/```bash blocks and the `$ ` lines of ```console blocks (continuation lines joined,
// pipelines and && lists split), the ```yaml blocks, and every `name.of.a.value` quoted in the prose.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/tools.js';

export type Command = { file: string; words: string[]; text: string };

/** The user's pages: README.md, then every page of docs/ (repository-relative paths). */
export function userPages(): string[] {
  const docs = readdirSync(join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

/** The fenced code blocks of a Markdown file with their language. */
export function codeBlocks(markdown: string): Array<{ lang: string; body: string }> {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((match) => ({ lang: match[1], body: match[2] }));
}

/** Every command of the file's sh/bash/console blocks, in order; a pipeline gives one per stage. */
export function commandsOf(path: string): Command[] {
  const markdown = readFileSync(join(repoRoot, path), 'utf8');
  const commands: Command[] = [];
  for (const { lang, body } of codeBlocks(markdown)) {
    if (!['sh', 'bash', 'console'].includes(lang)) continue;
    let lines = body.replace(/\\\n\s*/g, ' ').split('\n');
    if (lang === 'console') lines = lines.filter((line) => line.startsWith('$ ')).map((line) => line.slice(2));
    for (const line of lines) {
      const text = line.replace(/\s+#.*$/, '').trim();
      if (!text || text.startsWith('#')) continue;
      for (const stage of splitPipeline(text)) commands.push({ file: path, words: shellWords(stage), text: stage.trim() });
    }
  }
  return commands;
}

/** The YAML blocks of the file. */
export function yamlBlocksOf(path: string): string[] {
  return codeBlocks(readFileSync(join(repoRoot, path), 'utf8'))
    .filter((block) => block.lang === 'yaml')
    .map((block) => block.body);
}

/** Every `a.b.c` or `a.b.c=value` in backticks whose first part is one of `topLevel`, outside code blocks. */
export function quotedValueNames(path: string, topLevel: string[]): string[] {
  const markdown = readFileSync(join(repoRoot, path), 'utf8').replace(/^```[\s\S]*?^```$/gm, '');
  const names = [...markdown.matchAll(/`([a-zA-Z][a-zA-Z0-9]*(?:\.[a-zA-Z0-9_]+)+)(?:=[^`]*)?`/g)].map((match) => match[1]);
  return [...new Set(names.filter((name) => topLevel.includes(name.split('.')[0])))];
}

/** The commands of a line: split at `|` and `&&` outside quotes. */
function splitPipeline(text: string): string[] {
  const stages: string[] = [];
  let quote = '';
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === quote) quote = '';
    } else if (char === "'" || char === '"') quote = char;
    else if (char === '|' || (char === '&' && text[i + 1] === '&')) {
      stages.push(current);
      current = '';
      if (char === '&') i++;
      continue;
    }
    current += char;
  }
  return [...stages, current];
}

/** Splits a command line into words as a POSIX shell would for plain words and quotes. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let current: string | undefined;
  let quote = '';
  for (const char of text.trim()) {
    if (quote) {
      if (char === quote) quote = '';
      else current = (current ?? '') + char;
    } else if (char === "'" || char === '"') {
      quote = char;
      current = current ?? '';
    } else if (/\s/.test(char)) {
      if (current !== undefined) words.push(current);
      current = undefined;
    } else current = (current ?? '') + char;
  }
  if (quote) throw new Error(`unclosed quote in: ${text}`);
  if (current !== undefined) words.push(current);
  return words;
}

/** The value of a flag given as `--flag value` or `--flag=value` (or its short form). */
export function flagValue(words: string[], ...names: string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    for (const name of names) {
      if (words[i] === name) return words[i + 1];
      if (words[i].startsWith(`${name}=`)) return words[i].slice(name.length + 1);
    }
  }
  return undefined;
}
