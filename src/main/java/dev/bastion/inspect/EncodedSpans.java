package dev.bastion.inspect;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Decoding of encoded spans for {@link Scanner}: percent escapes, base64 (both alphabets) and hex,
 * kept only when the result is valid UTF-8 and at least 90% printable — and the in-place check that
 * drops base64/hex runs which cannot pass that test before anything is decoded.
 */
final class EncodedSpans {
  private EncodedSpans() {}

  /** The value of a base64 digit of either alphabet ({@code +} and {@code -} are 62, {@code /} and {@code _} 63). */
  private static final byte[] BASE64_VALUE = new byte[128];

  static {
    String digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (int v = 0; v < digits.length(); v++) {
      BASE64_VALUE[digits.charAt(v)] = (byte) v;
    }
    BASE64_VALUE['+'] = 62;
    BASE64_VALUE['-'] = 62;
    BASE64_VALUE['/'] = 63;
    BASE64_VALUE['_'] = 63;
  }

  /**
   * False only when {@link #hexDecode} (if {@code hex}) or {@link #base64Decode} is certain to
   * return null for the run {@code a[from, to)} of base64-alphabet characters: it decodes the run in
   * place, byte by byte, without an array, and stops at the first sign that {@link #printableUtf8}
   * rejects the bytes — fewer than six, more than a tenth implausible as text, or a sequence that is
   * not UTF-8 (a continuation byte without a lead byte, C0, C1, F5..FF, a lead byte without its
   * continuation bytes). Hashes, random tokens and path segments end here after a few bytes.
   * It decodes exactly the bytes the decoders would, so the answer "false" is certain: either the
   * decoder rejects the run anyway, or it gives these bytes, which {@code printableUtf8} rejects.
   */
  static boolean mayDecodeToText(byte[] a, int from, int to, boolean hex) {
    int len;
    if (hex) {
      len = (to - from) / 2;
    } else {
      int eq = from;
      while (eq < to && a[eq] != '=') {
        eq++;
      }
      to = eq; // base64Decode stops at the first '='
      if ((to - from) % 4 == 1) {
        return false;
      }
      len = (int) ((to - from) * 6L / 8);
    }
    if (len < 6) {
      return false;
    }
    int implausible = 0;
    int need = 0; // continuation bytes the current UTF-8 sequence still needs
    int bits = 0;
    int acc = 0;
    boolean urlAlphabet = false;
    boolean basicAlphabet = false;
    int k = from;
    for (int emitted = 0; emitted < len; ) {
      int b;
      if (hex) {
        b = Character.digit(a[k], 16) << 4 | Character.digit(a[k + 1], 16);
        k += 2;
      } else {
        byte c = a[k++];
        urlAlphabet |= c == '-' || c == '_';
        basicAlphabet |= c == '+' || c == '/';
        acc = acc << 6 | BASE64_VALUE[c];
        bits += 6;
        if (bits < 8) {
          continue;
        }
        bits -= 8;
        b = acc >>> bits & 0xFF;
      }
      emitted++;
      if (!(b >= 0x20 && b != 0x7F || b == '\n' || b == '\r' || b == '\t') && ++implausible * 10 > len) {
        return false;
      }
      if (need > 0) {
        if ((b & 0xC0) != 0x80) {
          return false;
        }
        need--;
      } else if (b >= 0x80) {
        if (b < 0xC2 || b >= 0xF5) {
          return false;
        }
        need = b < 0xE0 ? 1 : b < 0xF0 ? 2 : 3;
      }
    }
    return need == 0 && !(urlAlphabet && basicAlphabet);
  }

  static boolean isBase64(byte c) {
    return c >= 0 && TokenChars.BASE64[c];
  }

  static int percentEscapes(String s) {
    int count = 0;
    for (int i = 0; i + 2 < s.length(); i++) {
      if (s.charAt(i) == '%' && Character.digit(s.charAt(i + 1), 16) >= 0 && Character.digit(s.charAt(i + 2), 16) >= 0) {
        count++;
      }
    }
    return count;
  }

  static String percentDecode(String s) {
    byte[] out = new byte[s.length()];
    int o = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length() && Character.digit(s.charAt(i + 1), 16) >= 0 && Character.digit(s.charAt(i + 2), 16) >= 0) {
        out[o++] = (byte) (Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
        i += 2;
      } else if (c < 128) {
        out[o++] = (byte) c;
      } else {
        return null;
      }
    }
    return printableUtf8(out, o);
  }

  static String base64Decode(String run) {
    String r = run;
    int eq = r.indexOf('=');
    if (eq >= 0) {
      r = r.substring(0, eq);
    }
    if (r.length() % 4 == 1) {
      return null;
    }
    boolean url = r.indexOf('-') >= 0 || r.indexOf('_') >= 0;
    if (url && (r.indexOf('+') >= 0 || r.indexOf('/') >= 0)) {
      return null; // both alphabets: the decoder would reject it (and throwing costs a stack trace)
    }
    byte[] bytes;
    try {
      bytes = url
          ? Base64.getUrlDecoder().decode(r)
          : Base64.getDecoder().decode(pad(r));
    } catch (IllegalArgumentException e) {
      return null;
    }
    return printableUtf8(bytes, bytes.length);
  }

  private static String pad(String r) {
    return switch (r.length() % 4) {
      case 2 -> r + "==";
      case 3 -> r + "=";
      default -> r;
    };
  }

  static String hexDecode(String run) {
    byte[] out = new byte[run.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) (Character.digit(run.charAt(2 * i), 16) * 16 + Character.digit(run.charAt(2 * i + 1), 16));
    }
    return printableUtf8(out, out.length);
  }

  private static boolean hasReplacementCharacter(byte[] bytes, int len) {
    for (int i = 0; i + 2 < len; i++) {
      if (bytes[i] == (byte) 0xEF && bytes[i + 1] == (byte) 0xBF && bytes[i + 2] == (byte) 0xBD) {
        return true;
      }
    }
    return false;
  }

  /** The bytes as text if they are valid UTF-8 and at least 90% printable, else null. */
  private static String printableUtf8(byte[] bytes, int len) {
    if (len < 6) {
      return null;
    }
    int plausible = 0;
    for (int i = 0; i < len; i++) {
      int b = bytes[i] & 0xFF;
      if (b >= 0x20 && b != 0x7F || b == '\n' || b == '\r' || b == '\t') {
        plausible++;
      }
    }
    if (plausible * 10 < len * 9) {
      return null; // binary: no need to decode it as text
    }
    // Decoding with replacement is cheaper than a strict decoder (and a thrown exception for the
    // malformed input random bytes are): without a U+FFFD in the result the input was well-formed,
    // so the strict decoder would give the same text. Only a U+FFFD that may stand in the input
    // itself (its encoding EF BF BD) needs the strict decoder's answer.
    String s = new String(bytes, 0, len, StandardCharsets.UTF_8);
    if (s.indexOf('\uFFFD') >= 0 && !hasReplacementCharacter(bytes, len)) {
      return null;
    }
    try {
      s = s.indexOf('\uFFFD') < 0 ? s : StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, 0, len))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
    int printable = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c != 0x7F || c == '\n' || c == '\r' || c == '\t') {
        printable++;
      }
    }
    return printable * 10 >= s.length() * 9 ? s : null;
  }
}
