/** An error in what the user asked for (a path, a name, an option): printed without a stack trace, exit code 1. */
export class UserError extends Error {
  override name = 'UserError';
}
