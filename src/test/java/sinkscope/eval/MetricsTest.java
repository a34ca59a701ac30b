package sinkscope.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {

    private static Metrics repeat(Metrics m, String pred, String label, int times) {
        for (int i = 0; i < times; i++) {
            m.add(pred, label);
        }
        return m;
    }

    @Test
    void countsAndRatiosByHand() {
        // TP 4, FP 1 + 1 other, TN 2, FN 3: n 11
        Metrics m = new Metrics();
        repeat(m, "yes", "yes", 4);
        repeat(m, "yes", "no", 1);
        repeat(m, "other", "no", 1);
        repeat(m, "no", "no", 2);
        repeat(m, "no", "yes", 3);
        assertEquals(4, m.tp());
        assertEquals(2, m.fp());
        assertEquals(2, m.tn());
        assertEquals(3, m.fn());
        assertEquals(1, m.other());
        assertEquals(11, m.n());
        assertEquals(4.0 / 6, m.precision(), 1e-15);
        assertEquals(4.0 / 7, m.recall(), 1e-15);
        assertEquals(8.0 / 13, m.f1(), 1e-15); // 2 (2/3)(4/7) / (2/3 + 4/7) = (16/21) / (26/21)
        assertEquals(6.0 / 11, m.accuracy(), 1e-15);
        assertEquals(6.0 / 11, m.yesRatio(), 1e-15);
    }

    @Test
    void rawAnswersThroughEvalPopeParsing() {
        // answers as a model writes them; labels as POPE files hold them
        List<String[]> pairs = List.of(
                new String[] {"Yes, there is.", "yes"},
                new String[] {"No, there is not.", "yes"},
                new String[] {"Yes", "no"},
                new String[] {"There is no red circle.", "no"},
                new String[] {"", "no"},              // eval_pope: empty is yes -> FP
                new String[] {"Yes, no doubt.", "yes"}); // eval_pope: has "no" -> FN
        Metrics m = new Metrics();
        for (String[] p : pairs) {
            m.add(PopeAnswer.pred(p[0]), p[1]);
        }
        assertEquals(1, m.tp());
        assertEquals(2, m.fp());
        assertEquals(1, m.tn());
        assertEquals(2, m.fn());
        assertEquals(1.0 / 3, m.precision(), 1e-15);
        assertEquals(1.0 / 3, m.recall(), 1e-15);
        assertEquals(1.0 / 3, m.f1(), 1e-15);
        assertEquals(2.0 / 6, m.accuracy(), 1e-15);
        assertEquals(3.0 / 6, m.yesRatio(), 1e-15);
    }

    @Test
    void undefinedRatiosAreNaNAndBothZeroGivesF1Zero() {
        Metrics empty = new Metrics();
        assertTrue(Double.isNaN(empty.accuracy()) && Double.isNaN(empty.yesRatio()) && Double.isNaN(empty.precision())
                && Double.isNaN(empty.recall()) && Double.isNaN(empty.f1()));

        Metrics allNo = repeat(new Metrics(), "no", "yes", 3);
        assertTrue(Double.isNaN(allNo.precision()), "no yes predictions: precision 0/0");
        assertEquals(0.0, allNo.recall());
        assertTrue(Double.isNaN(allNo.f1()));
        assertEquals(0.0, allNo.yesRatio());

        Metrics noPositives = repeat(new Metrics(), "no", "no", 2);
        assertTrue(Double.isNaN(noPositives.recall()), "no yes labels: recall 0/0");
        assertEquals(1.0, noPositives.accuracy());

        Metrics wrong = repeat(repeat(new Metrics(), "yes", "no", 2), "no", "yes", 1);
        assertEquals(0.0, wrong.precision());
        assertEquals(0.0, wrong.recall());
        assertEquals(0.0, wrong.f1());
    }

    @Test
    void rejectsUnknownPredictionsAndLabelsWithoutCounting() {
        Metrics m = new Metrics();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.add("other", "No"));
        assertTrue(e.getMessage().contains("'No'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.add("maybe", "yes"));
        assertThrows(IllegalArgumentException.class, () -> m.add("yes", null));
        assertEquals(0, m.n());
        assertEquals(0, m.other());
    }

    @Test
    void mergeAddsCounts() {
        Metrics a = repeat(repeat(new Metrics(), "yes", "yes", 2), "other", "no", 1);
        Metrics b = repeat(repeat(new Metrics(), "no", "no", 3), "no", "yes", 1);
        a.merge(b);
        assertEquals(List.of(2L, 1L, 3L, 1L, 1L, 7L), List.of(a.tp(), a.fp(), a.tn(), a.fn(), a.other(), a.n()));
    }

    @Test
    void tableHasOneRowPerConfigAndCategoryPlusAll() {
        MetricsTable t = new MetricsTable()
                .add("var", "random", "yes", "yes")
                .add("baseline", "random", "yes", "no")
                .add("baseline", "adversarial", "no", "no")
                .add("baseline", "adversarial", "yes", "yes")
                .add("baseline", null, "no", "yes");
        List<MetricsTable.Row> rows = t.rows();
        assertEquals(List.of("baseline/adversarial", "baseline/random", "baseline/all", "var/random", "var/all"),
                rows.stream().map(r -> r.config() + "/" + r.category()).toList());
        MetricsTable.Row adv = rows.get(0);
        assertEquals(List.of(2L, 1L, 0L, 1L, 0L), List.of(adv.n(), adv.tp(), adv.fp(), adv.tn(), adv.fn()));
        assertEquals(1.0, adv.accuracy());
        MetricsTable.Row all = rows.get(2);
        assertEquals(List.of(4L, 1L, 1L, 1L, 1L), List.of(all.n(), all.tp(), all.fp(), all.tn(), all.fn()));
        assertEquals(0.5, all.f1(), 1e-15);
        assertEquals(0.5, all.yesRatio(), 1e-15);
        assertEquals(1, t.get("var", "all").n());
        assertEquals(null, t.get("var", "popular"));
        assertThrows(IllegalArgumentException.class, () -> t.add("var", "all", "yes", "yes"));
    }
}
