package dev.bastion.policy;

/** What {@link PolicyCompiler#compile} produced: a usable policy, or every error found. */
public sealed interface PolicyCompilation permits CompiledPolicy, PolicyErrors {}
