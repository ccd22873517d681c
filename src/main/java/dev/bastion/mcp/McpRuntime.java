package dev.bastion.mcp;

import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.pipeline.Pipeline;

/**
 * What the listener needs from the current configuration. Swapped atomically on hot reload; a
 * request uses the runtime it started with from start to end.
 *
 * @param pipeline the assembled stages
 * @param codec JSON-RPC codec with this config's limits
 * @param guard DNS-rebinding protection
 * @param credentials authenticates GET and DELETE requests
 * @param identity how the gateway presents itself
 * @param resourceMetadataUrl the protected-resource metadata URL named in 401 challenges, or null
 */
public record McpRuntime(
    Pipeline pipeline, JsonRpcCodec codec, OriginGuard guard, CredentialCheck credentials, ServerIdentity identity, String resourceMetadataUrl) {}
