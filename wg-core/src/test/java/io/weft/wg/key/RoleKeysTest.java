package io.weft.wg.key;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/** Disco and machine keys: value types per role whose text never shows private material. */
class RoleKeysTest {
  static final SecureRandom RANDOM = new SecureRandom();

  @Test
  void shouldNeverPrintAPrivateKey() {
    DiscoPrivateKey disco = DiscoPrivateKey.generate(RANDOM);
    MachinePrivateKey machine = MachinePrivateKey.generate(RANDOM);
    for (Object k : new Object[] {disco, machine}) {
      NoisePrivateKey raw =
          k instanceof DiscoPrivateKey d ? d.key() : ((MachinePrivateKey) k).key();
      assertThat(k.toString())
          .contains("redacted")
          .doesNotContain(raw.toBase64())
          .doesNotContain(raw.toHex());
    }
  }

  @Test
  void shouldPrintPublicKeysWithTheirRole() {
    DiscoPrivateKey disco = DiscoPrivateKey.generate(RANDOM);
    assertThat(disco.publicKey().toString())
        .isEqualTo("discokey:" + disco.key().publicKey().toHex());
    MachinePrivateKey machine = MachinePrivateKey.generate(RANDOM);
    assertThat(machine.publicKey().toString()).startsWith("machinekey:");
  }

  @Test
  void shouldCompareByValueWithinARoleOnly() {
    NoisePublicKey raw = NoisePrivateKey.generate(RANDOM).publicKey();
    assertThat(DiscoPublicKey.fromBase64(raw.toBase64())).isEqualTo(new DiscoPublicKey(raw));
    assertThat((Object) new DiscoPublicKey(raw)).isNotEqualTo(new MachinePublicKey(raw));
  }

  @Test
  void shouldZeroThePrivateKeyOnDestroy() {
    DiscoPrivateKey disco = DiscoPrivateKey.generate(RANDOM);
    disco.destroy();
    assertThat(disco.isDestroyed()).isTrue();
  }
}
