/** The build was stopped through BuildOptions.signal before it was done. */
export class BuildStopped extends Error {
  override name = 'BuildStopped';
  constructor() {
    super('the build was stopped before it was done; the next build starts over');
  }
}
