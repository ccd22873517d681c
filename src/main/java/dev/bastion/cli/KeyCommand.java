package dev.bastion.cli;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(
    name = "key",
    mixinStandardHelpOptions = true,
    description = {
      "Generate an agent API key and the digest to put in the config (agents.<id>.keys).",
      "The key is printed once; Bastion stores only its SHA-256 digest."
    })
final class KeyCommand implements Callable<Integer> {
  @Override
  public Integer call() throws NoSuchAlgorithmException {
    String key = newKey();
    System.out.println("key:    " + key);
    System.out.println("digest: " + digest(key));
    return ExitCodes.OK;
  }

  static String newKey() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return "bst_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static String digest(String key) throws NoSuchAlgorithmException {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }
}
