package dev.bastion.demo;

/** What a running tool may use besides its arguments: progress reporting and its cancellation. */
interface ToolContext {

  /**
   * Sends {@code notifications/progress} if the request carried a progress token; does nothing
   * otherwise, or once the request is cancelled.
   */
  void progress(double progress, double total, String message);

  Cancellation cancellation();
}
