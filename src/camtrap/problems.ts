/** One broken rule: where (file, row, field) and which rule. Rows count from 1, the header included, as an editor shows them. */
export interface PackageProblem {
  file: string;
  row?: number;
  field?: string;
  rule: string;
}

/** The problems listed in full; the rest are only counted. */
export const PROBLEMS_LISTED = 100;

/** A refused package's report: the first problems found, and how many there were in all. */
export class ProblemReport {
  readonly listed: PackageProblem[] = [];
  total = 0;

  add(problem: PackageProblem): void {
    this.total++;
    if (this.listed.length < PROBLEMS_LISTED) this.listed.push(problem);
  }

  get isEmpty(): boolean {
    return this.total === 0;
  }

  /** One line a person reads: "media.csv, row 12, timestamp: must be a date-time with its offset…". */
  static describe(problem: PackageProblem): string {
    return (
      [problem.file, problem.row === undefined ? null : `row ${problem.row}`, problem.field]
        .filter(Boolean)
        .join(', ') + `: ${problem.rule}`
    );
  }

  /** Every listed problem on its own line, and the count of the rest. */
  lines(): string[] {
    const lines = this.listed.map(ProblemReport.describe);
    if (this.total > this.listed.length) lines.push(`…and ${this.total - this.listed.length} more problems`);
    return lines;
  }
}
