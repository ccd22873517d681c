package dev.bastion.policy;

import dev.cel.common.types.CelType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The variables a rule's {@code when} expression may use, and their CEL types. The structured ones
 * are {@code map(string, dyn)}: field names are not checked at load time, only the shape of the
 * expression and that it yields a {@code bool}. See docs/policy.md for each variable's fields.
 */
public final class PolicyVariables {
  private PolicyVariables() {}

  public static final String AGENT = "agent";
  public static final String USER = "user";
  public static final String TOOL = "tool";
  public static final String ARGS = "args";
  public static final String RESOURCE = "resource";
  public static final String PROMPT = "prompt";
  public static final String METHOD = "method";
  public static final String SESSION = "session";
  public static final String REQUEST = "request";
  public static final String RESPONSE = "response";

  static Map<String, CelType> declarations() {
    CelType object = MapType.create(SimpleType.STRING, SimpleType.DYN);
    Map<String, CelType> vars = new LinkedHashMap<>();
    vars.put(AGENT, object);
    vars.put(USER, object);
    vars.put(TOOL, object);
    vars.put(ARGS, object);
    vars.put(RESOURCE, object);
    vars.put(PROMPT, object);
    vars.put(METHOD, SimpleType.STRING);
    vars.put(SESSION, object);
    vars.put(REQUEST, object);
    vars.put(RESPONSE, object);
    return vars;
  }
}
