package dev.bastion.inspect;

import java.util.Map;

/** IBAN lengths per country (ISO 13616 registry), for the countries most often seen. */
final class IbanLengths {
  private IbanLengths() {}

  private static final Map<String, Integer> LENGTHS = Map.ofEntries(
      Map.entry("AD", 24), Map.entry("AT", 20), Map.entry("BE", 16), Map.entry("BG", 22), Map.entry("CH", 21),
      Map.entry("CY", 28), Map.entry("CZ", 24), Map.entry("DE", 22), Map.entry("DK", 18), Map.entry("EE", 20),
      Map.entry("ES", 24), Map.entry("FI", 18), Map.entry("FR", 27), Map.entry("GB", 22), Map.entry("GR", 27),
      Map.entry("HR", 21), Map.entry("HU", 28), Map.entry("IE", 22), Map.entry("IS", 26), Map.entry("IT", 27),
      Map.entry("LI", 21), Map.entry("LT", 20), Map.entry("LU", 20), Map.entry("LV", 21), Map.entry("MC", 27),
      Map.entry("MT", 31), Map.entry("NL", 18), Map.entry("NO", 15), Map.entry("PL", 28), Map.entry("PT", 25),
      Map.entry("RO", 24), Map.entry("SE", 24), Map.entry("SI", 19), Map.entry("SK", 24), Map.entry("SM", 27),
      Map.entry("TR", 26), Map.entry("UA", 29), Map.entry("AE", 23), Map.entry("SA", 24), Map.entry("IL", 23),
      Map.entry("BR", 29), Map.entry("QA", 29));

  static Integer of(String country) {
    return LENGTHS.get(country);
  }
}
