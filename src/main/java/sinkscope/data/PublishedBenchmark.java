package sinkscope.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import sinkscope.eval.Chair;
import sinkscope.eval.TaskScore;

/**
 * A benchmark in the layout it is published in, as the questions an {@code evaluate} run asks: each record of the
 * benchmark's reader ({@link MmeReader}, {@link MmbenchReader}, {@link ChoiceReaders}, {@link VqaReader},
 * {@link GqaReader}, {@link CocoReader}, {@link QuestionReader} for POPE) becomes one {@link Question} with the
 * label, options, reference answers, group and category that {@code score} uses for that benchmark, and the question
 * text LLaVA-1.5's eval script builds before its suffix (the suffix itself is {@link PromptTemplate#suffix}):
 * <ul>
 *   <li>{@code pope}: the question JSONL as it is ({@code llava_pope_test.jsonl}); images {@code @DIR}.</li>
 *   <li>{@code mme}: the {@code MME_Benchmark_release_version/} folder; id {@code subtask/image#line}, category the
 *       subtask, group {@code subtask/image} (accuracy+ pairs the image's two questions), label yes/no; images
 *       inside the folder.</li>
 *   <li>{@code mmbench}: the TSV; {@code hint + "\n" + question} (the hint when present), the options
 *       {@code A. ...} lines, label the answer letter, group {@code index % 1e6}; the base64 image is decoded into
 *       the sample's image bytes (nothing written to disk). With {@code allRounds} (LLaVA's {@code --all-rounds}) each
 *       row is asked once per option: round {@code r} shows option {@code (k + r) % n} as letter {@code k}, so its
 *       label is the letter {@code (answer - r) mod n}; round 0 keeps the id {@code index}, round {@code r} is
 *       {@code index#r}, all in the row's group.</li>
 *   <li>{@code scienceqa}: LLaVA's {@code llava_test_CQM-A.json}, the human turn without {@code <image>} (it lists
 *       the options); a question without an image is an error row (only ScienceQA-IMG is run); images {@code @DIR}.</li>
 *   <li>{@code seed}: {@code SEED-Bench.json}, question with its four options, category the question type; the image
 *       {@code DIR/<data_id>} (or {@code <data_id>.jpg}); video questions are error rows.</li>
 *   <li>{@code cvbench}: {@code test.jsonl}, question with its options, category the source (ADE20K, COCO, Omni3D,
 *       as the 2D/3D means need); images relative to the file's folder unless {@code @DIR}.</li>
 *   <li>{@code mmvp}: {@code Questions.csv}, question with its options, group the pair; images in
 *       {@code MMVP Images/} beside the csv.</li>
 *   <li>{@code vqav2}: {@code annotations.json,questions.json} (the question texts come from the questions file),
 *       answers the ten human answers, category the answer type, image {@code COCO_val2014_<12-digit id>.jpg}.</li>
 *   <li>{@code textvqa}: {@code TextVQA_0.5.1_val.json[,TextVQA_Rosetta_OCR_v0.2_val.json]} (with the OCR file the
 *       question gets LLaVA-1.5's OCR-token line, {@link #withOcrTokens}), image {@code <image_id>.jpg}; {@code vizwiz}:
 *       {@code val.json}, id and image the file name, category the answer type; {@code gqa}:
 *       {@code testdev_balanced_questions.json}, label the answer, category the structural type, image
 *       {@code <imageId>.jpg}.</li>
 *   <li>{@code chair}: {@code captions.json,instances.json} and the synonym lines: one caption question
 *       ({@link #CAPTION_PROMPT}) per image of the captions file, id the COCO image id, answers its ground-truth
 *       objects as chair.py computes them ({@link #chairGroundTruth}), image {@code COCO_val2014_<12-digit id>.jpg}.</li>
 *   <li>{@code mmvet}: {@code mm-vet.json}, id the key ({@code v1_0}), category the capabilities, answers the judge's
 *       reference; {@code llavabench}: LLaVA-Bench in the wild's {@code questions.jsonl}; both judge-scored
 *       ({@link JudgeReaders}), the question as it is, images in {@code images/} beside the file unless {@code @DIR}.</li>
 * </ul>
 * Every bad record is a {@link ReadError} naming file, line and field, and so is a question whose image file is
 * missing or whose image path leaves the image folder; the rest is read on.
 */
public final class PublishedBenchmark {

    /** The benchmarks that can be read from their published layout. */
    public static final List<String> NAMES = List.of("pope", "mme", "mmbench", "scienceqa", "seed", "cvbench", "mmvp",
            "vqav2", "textvqa", "vizwiz", "gqa", "chair", "mmvet", "llavabench");

    /** The caption prompt of {@code chair} (LLaVA's detailed-description prompt; LLaVA-1.5 has no CHAIR script). */
    public static final String CAPTION_PROMPT = "Please describe this image in detail.";

    /**
     * One benchmark to read: its name, its files in {@code score}'s {@code --annotations} order, and its image folder
     * ({@code null} where the layout holds the images: MME's folder, MMBench's TSV, MMVP's and CV-Bench's folder, the
     * {@code images/} beside MM-Vet's and LLaVA-Bench's files).
     */
    public record Input(String benchmark, List<Path> files, Path images) {
        public Input {
            benchmark = benchmark.trim().toLowerCase(Locale.ROOT);
            files = List.copyOf(files);
            if (!NAMES.contains(benchmark)) {
                throw new IllegalArgumentException("benchmark '" + benchmark + "' cannot be read from a published layout; known: " + NAMES);
            }
            int need = benchmark.equals("chair") ? 2 : 1;
            if (files.size() < need || files.size() > (benchmark.equals("vqav2") || benchmark.equals("textvqa") ? 2 : need)) {
                throw new IllegalArgumentException(benchmark + " needs " + layout(benchmark) + ", got " + files);
            }
            if (benchmark.equals("vqav2") && files.size() != 2) {
                throw new IllegalArgumentException("vqav2 needs " + layout(benchmark) + " (the question texts are in the questions file), got " + files);
            }
            if (images == null && List.of("pope", "scienceqa", "seed", "vqav2", "textvqa", "vizwiz", "gqa", "chair").contains(benchmark)) {
                throw new IllegalArgumentException(benchmark + " needs its image folder (" + benchmark + "=FILES@IMAGES or --images DIR)");
            }
            for (Path f : files) {
                if (!Files.exists(f)) {
                    throw new IllegalArgumentException(benchmark + ": no file " + f);
                }
            }
        }

        /** {@code NAME=FILE[,FILE][@IMAGES]}. */
        public static Input parse(String spec) {
            int eq = spec.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected NAME=FILE[,FILE][@IMAGES], got '" + spec + "'");
            }
            String rest = spec.substring(eq + 1);
            int at = rest.lastIndexOf('@');
            Path images = at >= 0 ? Storage.path(rest.substring(at + 1).trim()) : null;
            return new Input(spec.substring(0, eq), files(at >= 0 ? rest.substring(0, at) : rest), images);
        }

        /** Comma-separated paths. */
        public static List<Path> files(String csv) {
            List<Path> out = new ArrayList<>();
            for (String f : csv.split(",")) {
                if (!f.isBlank()) {
                    out.add(Storage.path(f.trim()));
                }
            }
            return out;
        }

        /** The folder the question's images are under (the layout's own when none was given). */
        public Path imageRoot() {
            if (images != null) {
                return images.toAbsolutePath().normalize();
            }
            Path f = files.get(0).toAbsolutePath().normalize();
            return switch (benchmark) {
                case "mme" -> f;
                case "mmbench", "cvbench", "mmvp" -> f.getParent();
                case "mmvet", "llavabench" -> f.getParent().resolve("images");
                default -> throw new IllegalStateException(benchmark);
            };
        }
    }

    /** An MMBench question of {@code --all-rounds}: its TSV {@code index} and round. */
    public record MmbenchRound(String index, int round) {}

    /** The question id of round {@code round} of MMBench row {@code index}: {@code index}, or {@code index#round} after round 0. */
    public static String mmbenchId(long index, int round) {
        return round == 0 ? Long.toString(index) : index + "#" + round;
    }

    /** {@link #mmbenchId} read back: {@code index#r} is round r of {@code index}; any other id is itself in round 0. */
    public static MmbenchRound mmbenchRound(String id) {
        java.util.regex.Matcher m = ROUND_ID.matcher(id);
        return m.matches() ? new MmbenchRound(m.group(1), Integer.parseInt(m.group(2))) : new MmbenchRound(id, 0);
    }

    private static final java.util.regex.Pattern ROUND_ID = java.util.regex.Pattern.compile("(\\d+)#(\\d+)");

    /** The published files of each benchmark, as the README and the usage message name them. */
    public static String layout(String benchmark) {
        return switch (benchmark) {
            case "pope" -> "the question JSONL (llava_pope_test.jsonl)";
            case "mme" -> "the MME_Benchmark_release_version folder";
            case "mmbench" -> "the MMBench tsv";
            case "scienceqa" -> "LLaVA's llava_test_CQM-A.json";
            case "seed" -> "SEED-Bench.json";
            case "cvbench" -> "CV-Bench test.jsonl";
            case "mmvp" -> "MMVP Questions.csv";
            case "vqav2" -> "v2_mscoco_val2014_annotations.json,v2_OpenEnded_mscoco_val2014_questions.json";
            case "textvqa" -> "TextVQA_0.5.1_val.json[,TextVQA_Rosetta_OCR_v0.2_val.json]";
            case "vizwiz" -> "VizWiz val.json";
            case "gqa" -> "testdev_balanced_questions.json";
            case "chair" -> "captions_val2014.json,instances_val2014.json";
            case "mmvet" -> "MM-Vet's mm-vet.json";
            case "llavabench" -> "LLaVA-Bench in the wild's questions.jsonl";
            default -> "(unknown)";
        };
    }

    /**
     * One question: its image is {@code imagePath} (absolute, checked to exist under the input's image folder) or
     * {@code imageBytes} (MMBench).
     */
    public record Item(Question question, Path imagePath, byte[] imageBytes) {}

    /** What one benchmark became: its questions and one error per record that could not be asked. */
    public record Result(Input input, List<Item> items, List<ReadError> errors) {}

    private PublishedBenchmark() {}

    /**
     * Reads {@code in}; with {@code limit > 0} only its first {@code limit} questions are kept (the errors all are).
     * {@code synonyms}: CHAIR's synonym lines (needed for {@code chair} only).
     */
    public static Result read(Input in, List<String> synonyms, int limit) throws IOException {
        return read(in, synonyms, false, limit);
    }

    /** {@link #read(Input, List, int)}; {@code allRounds}: MMBench's questions once per option rotation (see above). */
    public static Result read(Input in, List<String> synonyms, boolean allRounds, int limit) throws IOException {
        List<Item> items = new ArrayList<>();
        List<ReadError> errors = new ArrayList<>();
        Result r = new Result(in, items, errors);
        Path root = in.benchmark().equals("mmbench") ? null : in.imageRoot();
        Path f0 = in.files().get(0);
        String b = in.benchmark();
        switch (b) {
            case "pope" -> {
                QuestionReader.Result q = QuestionReader.read(f0);
                for (InputError e : q.errors()) {
                    errors.add(new ReadError(f0.toString(), e.line(), null, e.reason()));
                }
                for (Question x : q.questions()) {
                    add(r, root, f0, x.line(), "image", x.image(), with(x, "pope", x.label(), x.category(), List.of(), List.of(), x.group()));
                }
            }
            case "mme" -> {
                if (!Files.isDirectory(f0)) {
                    throw new IllegalArgumentException("mme: evaluate reads the MME_Benchmark_release_version folder (images beside the questions), not " + f0);
                }
                BenchmarkRead<MmeReader.MmeQuestion> read = MmeReader.read(f0);
                errors.addAll(read.errors());
                for (MmeReader.MmeQuestion q : read.items()) {
                    Path image = MmeReader.imageDir(Storage.path(q.file())).resolve(q.image());
                    String group = q.subtask() + "/" + q.image();
                    add(r, root, Storage.path(q.file()), q.line(), "image", root.relativize(image).toString(),
                            new Question(group + "#" + q.line(), null, q.question(), q.answer(), q.subtask(), q.line(), null, null,
                                    b, null, List.of(), List.of(), group));
                }
            }
            case "mmbench" -> {
                BenchmarkRead<MmbenchReader.MmbenchQuestion> read = MmbenchReader.read(f0);
                errors.addAll(read.errors());
                for (MmbenchReader.MmbenchQuestion q : read.items()) {
                    byte[] bytes;
                    try {
                        bytes = Base64.getDecoder().decode(q.imageBase64().replaceAll("\\s", ""));
                    } catch (IllegalArgumentException e) {
                        errors.add(new ReadError(f0.toString(), q.line(), "image", "not base64: " + e.getMessage()));
                        continue;
                    }
                    String text = q.hint() == null ? q.question() : q.hint() + "\n" + q.question();
                    int n = q.options().size();
                    for (int round = 0; round < (allRounds ? n : 1); round++) {
                        String id = mmbenchId(q.index(), round);
                        String label = q.answer() < 0 ? null : letter(Math.floorMod(q.answer() - round, n));
                        items.add(new Item(new Question(id, null, text, label, q.category(), q.line(), null, null, b, null,
                                MmbenchReader.rotated(q.options(), round), List.of(), Long.toString(q.group())), null, bytes));
                    }
                }
            }
            case "scienceqa", "seed", "cvbench", "mmvp" -> {
                BenchmarkRead<ChoiceReaders.ChoiceQuestion> read = switch (b) {
                    case "scienceqa" -> ChoiceReaders.scienceQa(f0);
                    case "seed" -> ChoiceReaders.seed(f0);
                    case "cvbench" -> ChoiceReaders.cvBench(f0);
                    default -> ChoiceReaders.mmvp(f0);
                };
                errors.addAll(read.errors());
                for (ChoiceReaders.ChoiceQuestion q : read.items()) {
                    String image = q.image();
                    String text = q.question();
                    String category = q.category();
                    if (b.equals("scienceqa")) {
                        if (image == null) {
                            errors.add(new ReadError(f0.toString(), q.line(), "image", "no image: a text-only question (only ScienceQA-IMG is run)"));
                            continue;
                        }
                        text = text.replace("<image>", "").strip();
                    } else if (b.equals("seed")) {
                        if (q.split() != null && !q.split().equalsIgnoreCase("image")) {
                            errors.add(new ReadError(f0.toString(), q.line(), "data_type", "'" + q.split() + "': only image questions are run"));
                            continue;
                        }
                        image = Files.isRegularFile(root.resolve(image)) ? image : image + ".jpg";
                    } else if (b.equals("cvbench")) {
                        category = q.split();
                    }
                    add(r, root, f0, q.line(), b.equals("seed") ? "data_id" : b.equals("mmvp") ? "Index" : "image", image,
                            new Question(q.id(), null, text, letter(q.answer()), category, q.line(), null, null, b, null, q.options(),
                                    List.of(), q.group()));
                }
            }
            case "vqav2", "textvqa", "vizwiz" -> {
                BenchmarkRead<VqaReader.VqaQuestion> read = switch (b) {
                    case "vqav2" -> VqaReader.vqav2(f0, in.files().get(1));
                    case "textvqa" -> VqaReader.textvqa(f0);
                    default -> VqaReader.vizwiz(f0);
                };
                errors.addAll(read.errors());
                Map<String, List<String>> ocr = null;
                if (b.equals("textvqa") && in.files().size() == 2) {
                    BenchmarkRead<VqaReader.OcrTokens> tokens = VqaReader.textvqaOcr(in.files().get(1));
                    errors.addAll(tokens.errors());
                    ocr = new HashMap<>();
                    for (VqaReader.OcrTokens t : tokens.items()) {
                        ocr.put(t.imageId(), t.tokens());
                    }
                }
                for (VqaReader.VqaQuestion q : read.items()) {
                    if (q.question() == null) {
                        errors.add(new ReadError(f0.toString(), q.line(), "question_id", "question " + q.questionId() + " is not in "
                                + in.files().get(1)));
                        continue;
                    }
                    String image = switch (b) {
                        case "vqav2" -> cocoFile(q.image());
                        case "textvqa" -> q.image() + ".jpg";
                        default -> q.image();
                    };
                    String text = ocr == null ? q.question() : withOcrTokens(q.question(), ocr.getOrDefault(q.image(), List.of()));
                    add(r, root, f0, q.line(), b.equals("vizwiz") ? "image" : "image_id", image, new Question(q.questionId(), null,
                            text, null, q.answerType(), q.line(), null, null, b, null, List.of(), q.answers(), null));
                }
            }
            case "gqa" -> {
                BenchmarkRead<GqaReader.GqaQuestion> read = GqaReader.read(f0);
                errors.addAll(read.errors());
                for (GqaReader.GqaQuestion q : read.items()) {
                    add(r, root, f0, q.line(), "imageId", q.image() + ".jpg", new Question(q.questionId(), null, q.question(), q.answer(),
                            q.category(), q.line(), null, null, b, null, List.of(), List.of(), null));
                }
            }
            case "chair" -> {
                if (synonyms == null) {
                    throw new IllegalArgumentException("chair needs --synonyms synonyms.txt (CHAIR's published synonym list)");
                }
                BenchmarkRead<CocoReader.CocoCaption> captions = CocoReader.captions(f0);
                BenchmarkRead<CocoReader.CocoInstance> instances = CocoReader.instances(in.files().get(1));
                errors.addAll(captions.errors());
                errors.addAll(instances.errors());
                Chair chair = new Chair(synonyms);
                chairGroundTruth(chair, captions.items(), instances.items());
                Map<String, Integer> firstLine = new LinkedHashMap<>();
                for (CocoReader.CocoCaption c : captions.items()) {
                    firstLine.putIfAbsent(c.imageId(), c.line());
                }
                for (Map.Entry<String, Integer> e : firstLine.entrySet()) {
                    List<String> truth = new ArrayList<>(new java.util.TreeSet<>(chair.groundTruth(e.getKey())));
                    add(r, root, f0, e.getValue(), "image_id", cocoFile(e.getKey()), new Question(e.getKey(), null, CAPTION_PROMPT, null,
                            null, e.getValue(), null, null, b, null, List.of(), truth, null));
                }
            }
            case "mmvet", "llavabench" -> {
                BenchmarkRead<JudgeReaders.JudgeQuestion> read = b.equals("mmvet") ? JudgeReaders.mmVet(f0) : JudgeReaders.llavaBench(f0);
                errors.addAll(read.errors());
                for (JudgeReaders.JudgeQuestion q : read.items()) {
                    add(r, root, f0, q.line(), b.equals("mmvet") ? "imagename" : "image", q.image(), new Question(q.id(), null, q.question(),
                            null, q.category(), q.line(), null, null, b, null, List.of(),
                            q.reference() == null ? List.of() : List.of(q.reference()), null));
                }
            }
            default -> throw new IllegalStateException(b);
        }
        if (limit > 0 && items.size() > limit) {
            items.subList(limit, items.size()).clear();
        }
        return r;
    }

    /**
     * The ground truth chair.py gives each image: the objects of its instance annotations (category names through the
     * synonym list; a name that is no synonym is dropped) and the objects its ground-truth captions mention.
     */
    public static void chairGroundTruth(Chair chair, List<CocoReader.CocoCaption> captions, List<CocoReader.CocoInstance> instances) {
        Map<String, List<String>> objs = new HashMap<>();
        for (CocoReader.CocoInstance i : instances) {
            String o = chair.objectOf(i.category());
            if (o != null) {
                objs.computeIfAbsent(i.imageId(), k -> new ArrayList<>()).add(o);
            }
        }
        objs.forEach(chair::addGroundTruthObjects);
        for (CocoReader.CocoCaption c : captions) {
            chair.addGroundTruthCaption(c.imageId(), c.caption());
        }
    }

    /**
     * A TextVQA question as LLaVA-1.5's {@code llava_textvqa_val_v051_ocr.jsonl} asks it: the first letter upper case, then
     * {@code "\nReference OCR token: "} and the image's Rosetta tokens joined by {@code ", "}; no such line when the image has
     * none ({@code eval_textvqa.py}'s prompt parser takes both forms). Reconstructed from that file's published lines (LLaVA
     * did not publish its converter).
     */
    static String withOcrTokens(String question, List<String> tokens) {
        String q = question.isEmpty() ? question : Character.toUpperCase(question.charAt(0)) + question.substring(1);
        return tokens.isEmpty() ? q : q + "\nReference OCR token: " + String.join(", ", tokens);
    }

    /** COCO's file name of an image id: {@code COCO_val2014_000000391895.jpg}. */
    static String cocoFile(String imageId) {
        try {
            return String.format(Locale.ROOT, "COCO_val2014_%012d.jpg", Long.parseLong(imageId));
        } catch (NumberFormatException e) {
            return imageId;
        }
    }

    private static String letter(int index) {
        return String.valueOf((char) ('A' + index));
    }

    private static Question with(Question q, String benchmark, String label, String category, List<String> options, List<String> answers,
                                 String group) {
        return new Question(q.questionId(), null, q.text(), label, category, q.line(), q.box(), q.object(), benchmark, q.task(), options,
                answers, group);
    }

    /** The question with its image {@code root/relative}, or an error naming the field when it leaves the root or is missing. */
    private static void add(Result r, Path root, Path file, int line, String field, String relative, Question q) {
        Path p = root.resolve(relative).normalize();
        if (!p.startsWith(root)) {
            r.errors().add(new ReadError(file.toString(), line, field, "image path " + relative + " leaves the image folder " + root));
        } else if (!Files.isRegularFile(p)) {
            r.errors().add(new ReadError(file.toString(), line, field, "no image " + p));
        } else {
            r.items().add(new Item(q, p, null));
        }
    }

}
