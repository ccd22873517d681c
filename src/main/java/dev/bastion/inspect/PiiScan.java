package dev.bastion.inspect;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.bastion.inspect.Hit.Category;
import java.util.List;

/**
 * Personal data for {@link Scanner}: e-mail addresses, card numbers (Luhn and issuer prefix), phone
 * numbers, US SSNs and IBANs (country length and mod-97 checksum), each at the token that can start
 * one.
 */
final class PiiScan {
  private PiiScan() {}

  private static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63})*\\.[A-Za-z]{2,24}");

  /** E-mail addresses in a token with an {@code @}, except over a hit found in it from {@code before} on. */
  static void emails(String token, int start, int before, List<Hit> hits) {
    Matcher m = EMAIL.matcher(token);
    while (m.find()) {
      if (!overlaps(hits, before, start + m.start(), start + m.end())) {
        hits.add(new Hit(Category.PII, "email", start + m.start(), start + m.end()));
      }
    }
  }

  private static boolean overlaps(List<Hit> hits, int from, int start, int end) {
    for (int k = from; k < hits.size(); k++) {
      Hit h = hits.get(k);
      if (h.start() < end && start < h.end()) {
        return true;
      }
    }
    return false;
  }

  /** Cards (Luhn and issuer prefix), phone numbers, US SSNs, starting at a digit or '+'. */
  static int numbers(String text, byte[] a, int start, List<Hit> hits) {
    if (start > 0) {
      byte p = a[start - 1];
      if (AsciiBytes.isLetterOrDigit(text, a, start - 1) || p == '_' || p == '.' || p == '/' || p == '-') {
        return start;
      }
      if (p == '(') {
        start--;
      }
    }
    int n = a.length;
    int limit = Math.min(n, start + 40);
    int digits = 0;
    int j = start;
    boolean plus = a[start] == '+';
    if (plus || a[start] == '(') {
      j++;
    }
    int lastDigit = -1;
    while (j < limit) {
      byte c = a[j];
      if (c >= '0' && c <= '9') {
        digits++;
        lastDigit = j;
      } else if (!(c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') || j + 1 < n && !isDigitOrSep(a[j + 1])) {
        break;
      }
      j++;
    }
    if (lastDigit < 0) {
      return start;
    }
    int end = lastDigit + 1;
    if (end < n && AsciiBytes.isLetterOrDigit(text, a, end)) {
      return start;
    }
    if (digits >= 13 && digits <= 19 && !plus && card(a, start, end, digits)) {
      hits.add(new Hit(Category.PII, "card_number", start, end));
      return end;
    }
    if (digits == 9 && end - start == 11 && SSN.matcher(text.substring(start, end)).matches() && ssnValid(text.substring(start, end))) {
      hits.add(new Hit(Category.PII, "us_ssn", start, end));
      return end;
    }
    // PHONE has exactly ten digits
    if (plus && digits >= 8 && digits <= 15 || !plus && digits == 10 && phoneLength((char) a[start], end - start)
        && PHONE.matcher(text.substring(start, end)).matches()) {
      hits.add(new Hit(Category.PII, "phone_number", start, end));
      return end;
    }
    return start;
  }

  /** {@link #PHONE} matches 12 characters, or 13 or 14 when it starts with '('. */
  private static boolean phoneLength(char first, int length) {
    return first == '(' ? length == 13 || length == 14 : length == 12;
  }

  private static final Pattern SSN = Pattern.compile("\\d{3}-\\d{2}-\\d{4}");

  private static final Pattern PHONE = Pattern.compile("(?:\\(\\d{3}\\)\\s?|\\d{3}[-.])\\d{3}[-.]\\d{4}");

  private static boolean isDigitOrSep(byte c) {
    return c >= '0' && c <= '9' || c == '(' || c == ' ' || c == '-';
  }

  /** Luhn and issuer prefix of the {@code count} digits in {@code a[start, end)}. */
  private static boolean card(byte[] a, int start, int end, int count) {
    char[] ds = new char[count];
    int d = 0;
    for (int k = start; k < end; k++) {
      if (a[k] >= '0' && a[k] <= '9') {
        ds[d++] = (char) a[k];
      }
    }
    return luhn(ds, count) && cardPrefix(ds, count);
  }

  static boolean luhn(char[] ds, int count) {
    int sum = 0;
    boolean dbl = false;
    for (int k = count - 1; k >= 0; k--) {
      int d = ds[k] - '0';
      if (dbl) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
      dbl = !dbl;
    }
    return sum % 10 == 0;
  }

  private static boolean cardPrefix(char[] ds, int count) {
    int two = (ds[0] - '0') * 10 + (ds[1] - '0');
    int four = two * 100 + (ds[2] - '0') * 10 + (ds[3] - '0');
    return ds[0] == '4' && (count == 13 || count == 16 || count == 19)
        || two >= 51 && two <= 55 && count == 16
        || four >= 2221 && four <= 2720 && count == 16
        || (two == 34 || two == 37) && count == 15
        || (four == 6011 || two == 65 || four >= 6440 && four <= 6499) && count >= 16
        || two == 35 && count >= 16
        || (two == 36 || two == 38 || two == 30) && count >= 14;
  }

  private static boolean ssnValid(String s) {
    String area = s.substring(0, 3);
    return !area.equals("000") && !area.equals("666") && area.charAt(0) != '9' && !s.startsWith("00", 4) && !s.startsWith("0000", 7);
  }

  /** IBAN: country code, check digits, then up to 30 alphanumerics, optionally in groups of 4; mod-97 must be 1. */
  static int iban(String text, int start, List<Hit> hits) {
    int n = text.length();
    if (start + 4 > n || !Character.isUpperCase(text.charAt(start + 1)) || !isAsciiDigit(text.charAt(start + 2)) || !isAsciiDigit(text.charAt(start + 3))) {
      return start;
    }
    if (start > 0 && Character.isLetterOrDigit(text.charAt(start - 1))) {
      return start;
    }
    StringBuilder compact = new StringBuilder(34);
    int j = start;
    int end = start;
    while (j < n && compact.length() < 34) {
      char c = text.charAt(j);
      if (isAsciiDigit(c) || c >= 'A' && c <= 'Z') {
        compact.append(c);
        j++;
        end = j;
      } else if (c == ' ' && j + 1 < n && (isAsciiDigit(text.charAt(j + 1)) || text.charAt(j + 1) >= 'A' && text.charAt(j + 1) <= 'Z')) {
        j++;
      } else {
        break;
      }
    }
    Integer expected = IbanLengths.of(compact.substring(0, 2));
    if (expected == null || compact.length() < expected) {
      return start;
    }
    String iban = compact.substring(0, expected);
    if (!mod97(iban)) {
      return start;
    }
    // end of the IBAN in the text: walk again to the expected count of characters
    int count = 0;
    int k = start;
    while (k < n && count < expected) {
      if (text.charAt(k) != ' ') {
        count++;
      }
      k++;
    }
    hits.add(new Hit(Category.PII, "iban", start, k));
    return k;
  }

  static boolean mod97(String iban) {
    String r = iban.substring(4) + iban.substring(0, 4);
    int mod = 0;
    for (int i = 0; i < r.length(); i++) {
      char c = r.charAt(i);
      int v = isAsciiDigit(c) ? c - '0' : c - 'A' + 10;
      mod = v >= 10 ? (mod * 100 + v) % 97 : (mod * 10 + v) % 97;
    }
    return mod == 1;
  }

  private static boolean isAsciiDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
