package sinkscope.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import java.util.List;
import org.junit.jupiter.api.Test;

class FiguresTest {

    @Test
    void medianOfOddAndEvenCountsIgnoresOrder() {
        assertEquals(3.0, Figures.median(List.of(5.0, 1.0, 3.0)));
        assertEquals(2.5, Figures.median(List.of(4.0, 1.0, 2.0, 3.0)));
        assertEquals(7.0, Figures.median(List.of(7.0)));
        assertThrows(IllegalArgumentException.class, () -> Figures.median(List.of()));
    }

    @Test
    void quartilesInterpolateBetweenRanksLikeNumpy() {
        List<Double> v = List.of(4.0, 1.0, 3.0, 2.0, 5.0);
        assertEquals(2.0, Figures.quantile(v, 0.25));
        assertEquals(3.0, Figures.quantile(v, 0.5));
        assertEquals(4.0, Figures.quantile(v, 0.75));
        assertEquals(1.75, Figures.quantile(List.of(1.0, 2.0, 3.0, 4.0), 0.25), 1e-12); // numpy.quantile([1,2,3,4], .25)
        assertEquals(5.0, Figures.quantile(v, 1.0));
        assertThrows(IllegalArgumentException.class, () -> Figures.quantile(v, 1.5));
        assertThrows(IllegalArgumentException.class, () -> Figures.quantile(List.of(), 0.5));
    }

    @Test
    void ratiosPairRunsByIndex() {
        assertEquals(List.of(2.0, 0.5, 1.0), Figures.ratios(List.of(4.0, 1.0, 3.0), List.of(2.0, 2.0, 3.0)));
        // the median of per-run ratios is not the ratio of the medians: drift between runs cancels within a pair
        assertEquals(1.1, Figures.median(Figures.ratios(List.of(1.1, 2.2, 4.4), List.of(1.0, 2.0, 4.0))), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Figures.ratios(List.of(1.0), List.of()));
    }

    @Test
    void tenthRoundsUpAndIsAtLeastOne() {
        assertEquals(200, Figures.tenth(2000));
        assertEquals(6, Figures.tenth(60));
        assertEquals(2, Figures.tenth(11));
        assertEquals(1, Figures.tenth(3));
    }

    @Test
    void growthComparesTheMeansOfTheFirstAndLastTenth() {
        double[] series = new double[20];
        for (int i = 0; i < series.length; i++) {
            series[i] = 100 + i; // first tenth {100, 101} mean 100.5, last tenth {118, 119} mean 118.5
        }
        assertEquals(118.5 / 100.5 - 1, Figures.tenthGrowth(series), 1e-12);
        assertEquals(0.0, Figures.tenthGrowth(new double[] {300, 900, 10, 300}), 1e-12);
        assertEquals(-0.5, Figures.tenthGrowth(new double[] {200, 100}), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Figures.tenthGrowth(new double[0]));
    }
}
