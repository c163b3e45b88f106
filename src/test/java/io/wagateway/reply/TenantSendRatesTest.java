package io.wagateway.reply;

import static org.assertj.core.api.Assertions.assertThat;

import io.wagateway.tenant.Tenants;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@link TenantSendRates}: the throttle key and rate of a send, from the stored account id. */
class TenantSendRatesTest {

    private static TenantSendRates rates(int defaultRate) throws Exception {
        Path file = Files.createTempFile("tenants", ".yaml");
        file.toFile().deleteOnExit();
        Files.writeString(file, """
                tenants:
                  slow:
                    sends-per-second: 2
                    waha: [{base-url: "http://waha-slow:3000"}]
                  plain:
                    waha: [{base-url: "http://waha-plain:3000"}]
                """);
        Tenants tenants = new Tenants();
        tenants.setFile(file.toString());
        tenants.load();
        TenantSendRates r = new TenantSendRates();
        r.setTenants(tenants);
        r.setDefaultSendsPerSecond(defaultRate);
        return r;
    }

    @Test
    void theKeyIsTheTenantOfTheStoredAccountId() throws Exception {
        TenantSendRates r = rates(0);
        assertThat(r.tenant("slow~default")).isEqualTo("slow");
        assertThat(r.tenant("default")).isEqualTo(Tenants.DEFAULT);
        assertThat(r.tenant("100000000000002")).isEqualTo(Tenants.DEFAULT);
    }

    @Test
    void aTenantsOwnRateWinsElseTheDefaultAndZeroIsNoLimit() throws Exception {
        assertThat(rates(0).perSecond("slow~default")).isEqualTo(2);
        assertThat(rates(0).perSecond("plain~default")).isZero();
        assertThat(rates(0).perSecond("default")).isZero();
        assertThat(rates(5).perSecond("plain~default")).isEqualTo(5);
        assertThat(rates(5).perSecond("default")).isEqualTo(5);      // the default tenant too
        assertThat(rates(5).perSecond("slow~default")).isEqualTo(2);
        assertThat(rates(5).perSecond("unknown~x")).isEqualTo(5);    // fails later, on its credentials
    }

    @Test
    void aSendOverItsTenantsRateIsDelayedAndAnUnlimitedTenantNever() throws Exception {
        TenantSendRates r = rates(0);
        assertThat(r.delayMs("slow~default")).isZero();                  // 2 per second: two go at once ...
        assertThat(r.delayMs("slow~default")).isZero();
        assertThat(r.delayMs("slow~default")).isBetween(1L, 1000L);       // ... the third waits for the next second
        for (int i = 0; i < 10; i++) {
            assertThat(r.delayMs("plain~default")).isZero();              // no limit: never delayed, whatever slow's
        }
    }
}
