/**
 * Integration-test support: a real gateway in the test JVM and clients and servers to put around it.
 *
 * <ul>
 *   <li>{@link dev.bastion.testing.GatewayExtension}: JUnit 5 extension ({@code @RegisterExtension});
 *       a builder writes the config (upstreams, agents with API keys, policy rules, limits, audit),
 *       the gateway starts on ephemeral ports, {@code reload(...)} hot-reloads it, {@code
 *       auditStore()} points at its audit database; static field = one gateway per class,
 *       instance field = one per test.
 *   <li>{@link dev.bastion.testing.McpWire}: an agent over Streamable HTTP (java.net.http), both
 *       protocol eras, raw posts for error tests, SSE streams read as they arrive.
 *   <li>{@link dev.bastion.testing.TroubleServer}: a stdio MCP server whose tools crash, hang, flood,
 *       answer too much or answer garbage, correlate out of order, and change their list.
 *   <li>{@link dev.bastion.testing.RecordingHttpUpstream}: an HTTP MCP server that records every
 *       header and body it receives (to prove what never reaches an upstream).
 *   <li>{@link dev.bastion.testing.ListingUpstream}: an upstream that is only listed (fixed tools,
 *       prompts, …), for catalog tests and benchmarks without a server.
 * </ul>
 *
 * Tests synchronise on messages (streams, Awaitility conditions), never on sleeps; every wait is
 * bounded by {@link dev.bastion.testing.McpWire#TIMEOUT}.
 */
package dev.bastion.testing;
