package dev.bastion.demo;

import tools.jackson.databind.node.ObjectNode;

/** One tool's behaviour. Arguments arrive already validated against the tool's input schema. */
@FunctionalInterface
interface ToolHandler {
  ToolOutcome call(ObjectNode arguments, ToolContext context) throws InterruptedException;
}
