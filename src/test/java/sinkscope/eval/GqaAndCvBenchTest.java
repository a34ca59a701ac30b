package sinkscope.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import org.junit.jupiter.api.Test;

/**
 * GQA as LLaVA-1.5 scores it (scripts/convert_gqa_for_eval.py: text.rstrip('.').lower(); GQA eval.py: exact
 * match) and CV-Bench's README aggregation (2D = mean of the ADE20K and COCO accuracies, 3D = Omni3D, overall =
 * mean of the two). Hand-worked.
 */
class GqaAndCvBenchTest {

    @Test
    void gqaExactMatchAfterLlavasConversion() {
        assertEquals("yes", GqaAnswer.prediction("Yes..."));
        assertTrue(GqaAnswer.correct("Yes.", "yes"));
        assertTrue(GqaAnswer.correct("Left", "left"));
        // no other normalization: the article and trailing space stay
        assertFalse(GqaAnswer.correct("The table", "table"));
        assertFalse(GqaAnswer.correct("table ", "table"));
        assertTrue(GqaAnswer.correctNormalized("The table ", "table"));
        assertTrue(GqaAnswer.correctNormalized("two", "2"));
    }

    @Test
    void cvBenchMeansOfMeans() {
        CvBenchScore s = new CvBenchScore();
        // ADE20K 1/2, COCO 3/4, Omni3D 1/4
        s.add("ADE20K", true).add("ADE20K", false);
        s.add("COCO", true).add("COCO", true).add("COCO", true).add("COCO", false);
        s.add("Omni3D", true).add("Omni3D", false).add("Omni3D", false).add("Omni3D", false);
        assertEquals(0.625, s.accuracy2d(), 1e-12);
        assertEquals(0.25, s.accuracy3d(), 1e-12);
        assertEquals(0.4375, s.accuracy(), 1e-12);   // not the pooled 5/10
        assertEquals(Double.NaN, new CvBenchScore().add("COCO", true).accuracy2d());
    }
}
