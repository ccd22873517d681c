package dev.bastion.inspect;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A text's characters as one byte each, the form the scanner's loops read: every ASCII character is
 * itself, every other character is a negative byte (its exact value, where a detector needs it, is
 * read from the string). For the usual Latin-1 string this is one plain copy of its bytes — half the
 * size of a {@code char[]} and no widening — and it lets the plain-ASCII check read eight characters
 * at a time.
 */
final class AsciiBytes {
  private AsciiBytes() {}

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGH = 0x8080808080808080L;

  /** {@code s} as bytes: ASCII characters as themselves, every other character negative. */
  static byte[] of(String s) {
    // Latin-1 encoding keeps 0x80..0xFF (negative bytes already) and writes '?' for the rest.
    byte[] a = s.getBytes(StandardCharsets.ISO_8859_1);
    int n = a.length;
    if (n != s.length()) {
      return widened(s); // a surrogate pair became one '?'
    }
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      if (hasByte((long) LONGS.get(a, i), '?')) {
        markReplaced(s, a, i, i + 8);
      }
    }
    markReplaced(s, a, i, n);
    return a;
  }

  /**
   * {@code s} as bytes if it is {@linkplain #isPlain plain} text (then the bytes are exactly its
   * characters), else null: one read of the Latin-1 copy instead of {@link #of} and {@link #isPlain}.
   * A character above U+00FF would be a {@code '?'} in the copy, so the {@code '?'}s of the copy are
   * counted on the way and must be as many as the string's own (found by {@link String#indexOf}).
   */
  static byte[] plainOrNull(String s) {
    byte[] a = s.getBytes(StandardCharsets.ISO_8859_1);
    int n = a.length;
    if (n != s.length()) {
      return null; // a surrogate pair: not ASCII
    }
    int marks = 0;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      long x = (long) LONGS.get(a, i);
      if (((((x - ONES * 0x20) & ~x) | x) & HIGH) != 0 || hasByte(x, 0x7F)) {
        if (!plain(a, i, i + 8)) {
          return null;
        }
      }
      if (hasByte(x, '?')) {
        long y = x ^ (ONES * '?');
        marks += Long.bitCount(~(((y & LOW7) + LOW7) | y) & HIGH); // exact: one bit per '?' byte
      }
    }
    for (; i < n; i++) {
      if (!plain(a, i, i + 1)) {
        return null;
      }
      if (a[i] == '?') {
        marks++;
      }
    }
    for (int k = s.indexOf('?'); k >= 0 && marks >= 0; k = s.indexOf('?', k + 1)) {
      marks--;
    }
    return marks == 0 ? a : null;
  }

  private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;

  private static byte[] widened(String s) {
    char[] chars = s.toCharArray();
    byte[] a = new byte[chars.length];
    for (int k = 0; k < chars.length; k++) {
      char c = chars[k];
      a[k] = c < 0x80 ? (byte) c : (byte) 0x80;
    }
    return a;
  }

  /** Turns each '?' in {@code a[from, to)} that stands for another character into a negative byte. */
  private static void markReplaced(String s, byte[] a, int from, int to) {
    for (int k = from; k < to; k++) {
      if (a[k] == '?' && s.charAt(k) != '?') {
        a[k] = (byte) 0x80;
      }
    }
  }

  /** Whether one of the eight bytes of {@code x} is {@code b} (an exact test: a borrow only ever starts at a match). */
  private static boolean hasByte(long x, int b) {
    long y = x ^ (ONES * b);
    return ((y - ONES) & ~y & HIGH) != 0;
  }

  /**
   * Whether the text is printable ASCII, tab, CR and LF only — then it is its own canonical form
   * ({@link Canonicalizer}). Eight characters at a time: a block with no byte below 0x20, none
   * negative and no DEL is plain; only blocks with a line break or tab (or something worse) are
   * looked at one by one.
   */
  static boolean isPlain(byte[] a) {
    int n = a.length;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      long x = (long) LONGS.get(a, i);
      // below 0x20 (exact as a yes/no: a borrow only starts at such a byte), negative, or DEL
      if (((((x - ONES * 0x20) & ~x) | x) & HIGH) != 0 || hasByte(x, 0x7F)) {
        if (!plain(a, i, i + 8)) {
          return false;
        }
      }
    }
    return plain(a, i, n);
  }

  private static boolean plain(byte[] a, int from, int to) {
    for (int k = from; k < to; k++) {
      byte c = a[k];
      if (!(c >= 0x20 && c < 0x7F || c == '\n' || c == '\r' || c == '\t')) {
        return false;
      }
    }
    return true;
  }

  /** {@link Character#isLetterOrDigit} of the character at {@code k}, reading the string only for non-ASCII. */
  static boolean isLetterOrDigit(String text, byte[] a, int k) {
    byte c = a[k];
    return c >= 0 ? c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' : Character.isLetterOrDigit(text.charAt(k));
  }
}
