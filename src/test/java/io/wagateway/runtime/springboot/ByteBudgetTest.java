package io.wagateway.runtime.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ByteBudgetTest {

    @Test
    void reservationsBeyondTheBudgetAreRefusedUntilBytesAreGivenBack() {
        ByteBudget budget = new ByteBudget(100);
        assertThat(budget.tryAcquire(60, 0)).isTrue();
        assertThat(budget.tryAcquire(50, 0)).as("60 + 50 > 100, held by another request").isFalse();
        assertThat(budget.used()).as("a refused reservation holds nothing").isEqualTo(60);
        budget.release(60);
        assertThat(budget.tryAcquire(50, 0)).isTrue();
        assertThat(budget.used()).isEqualTo(50);
    }

    @Test
    void theOnlyHolderIsAlwaysAdmittedSoOneBodyUpToTheSizeLimitGetsThrough() {
        ByteBudget budget = new ByteBudget(100);
        assertThat(budget.tryAcquire(80, 0)).isTrue();
        assertThat(budget.tryAcquire(80, 80)).as("the caller holds every reserved byte").isTrue();
        assertThat(budget.used()).isEqualTo(160);
        assertThat(budget.tryAcquire(1, 0)).as("another request, while the budget is overdrawn").isFalse();
    }

    @Test
    void zeroMeansUnbounded() {
        ByteBudget budget = new ByteBudget(0);
        assertThat(budget.tryAcquire(Long.MAX_VALUE / 2, 0)).isTrue();
        assertThat(budget.tryAcquire(1, 0)).isTrue();
    }
}
