package sinkscope.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.model.RgbImage;

class ImageDecoderTest {
    @TempDir
    Path tmp;

    private final ImageDecoder decoder = new ImageDecoder();

    private static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), "ImageIO has a " + format + " writer for " + img);
        return out.toByteArray();
    }

    private static BufferedImage noise(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Random rnd = new Random(42);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rnd.nextInt());
            }
        }
        return img;
    }

    private static int[] rgb(RgbImage img, int x, int y) {
        return new int[] {img.get(x, y, 0), img.get(x, y, 1), img.get(x, y, 2)};
    }

    @Test
    void decodesAFileAndEachPngMode() throws IOException {
        BufferedImage src = noise(7, 5);
        Path file = tmp.resolve("rgb.png");
        Files.write(file, encode(src, "png"));
        RgbImage rgb = RgbImage.of(decoder.decode(file));
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 7; x++) {
                int p = src.getRGB(x, y);
                assertArrayEquals(new int[] {p >> 16 & 0xff, p >> 8 & 0xff, p & 0xff}, rgb(rgb, x, y), "RGB pixel " + x + "," + y);
            }
        }

        BufferedImage rgba = new BufferedImage(1, 1, BufferedImage.TYPE_4BYTE_ABGR);
        rgba.getRaster().setPixel(0, 0, new int[] {10, 20, 30, 7});
        assertArrayEquals(new int[] {10, 20, 30}, rgb(RgbImage.of(decoder.decode(encode(rgba, "png"), "rgba.png")), 0, 0));

        BufferedImage gray = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(0, 0, 0, 77);
        assertArrayEquals(new int[] {77, 77, 77}, rgb(RgbImage.of(decoder.decode(encode(gray, "png"), "l.png")), 0, 0));

        ColorModel la = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), new int[] {8, 8}, true, false,
                Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        WritableRaster laRaster = la.createCompatibleWritableRaster(1, 1);
        laRaster.setPixel(0, 0, new int[] {90, 3});
        assertArrayEquals(new int[] {90, 90, 90},
                rgb(RgbImage.of(decoder.decode(encode(new BufferedImage(la, laRaster, false, null), "png"), "la.png")), 0, 0));

        IndexColorModel palette = new IndexColorModel(8, 3, new byte[] {1, 2, 3}, new byte[] {4, 5, 6}, new byte[] {7, 8, 9});
        BufferedImage p = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_INDEXED, palette);
        p.getRaster().setSample(0, 0, 0, 2);
        assertArrayEquals(new int[] {3, 6, 9}, rgb(RgbImage.of(decoder.decode(encode(p, "png"), "p.png")), 0, 0));

        BufferedImage g16 = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        g16.getRaster().setPixels(0, 0, 2, 1, new int[] {123, 4000});
        RgbImage g16out = RgbImage.of(decoder.decode(encode(g16, "png"), "l16.png"));
        assertArrayEquals(new int[] {123, 123, 123}, rgb(g16out, 0, 0));
        assertArrayEquals(new int[] {255, 255, 255}, rgb(g16out, 1, 0));

        ColorModel cm16 = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), new int[] {16, 16, 16}, false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster r16 = cm16.createCompatibleWritableRaster(1, 1);
        r16.setPixel(0, 0, new int[] {0x1234, 0xFEDC, 0x00FF});
        assertArrayEquals(new int[] {0x12, 0xFE, 0x00},
                rgb(RgbImage.of(decoder.decode(encode(new BufferedImage(cm16, r16, false, null), "png"), "rgb16.png")), 0, 0));
    }

    @Test
    void decodesJpegRgbGrayAndCmyk() throws IOException {
        BufferedImage flat = new BufferedImage(16, 16, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                flat.setRGB(x, y, 0x3C78B4);
            }
        }
        RgbImage rgb = RgbImage.of(decoder.decode(encode(flat, "jpeg"), "flat.jpg"));
        int[] px = rgb(rgb, 8, 8);
        int[] expected = {0x3C, 0x78, 0xB4};
        for (int c = 0; c < 3; c++) {
            assertTrue(Math.abs(px[c] - expected[c]) <= 3, "flat JPEG colour within 3 levels: " + Arrays.toString(px));
        }
        BufferedImage gray = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setPixels(0, 0, 16, 16, new int[256]);
        RgbImage g = RgbImage.of(decoder.decode(encode(gray, "jpeg"), "gray.jpg"));
        assertEquals(g.get(3, 3, 0), g.get(3, 3, 1));
        assertEquals(g.get(3, 3, 0), g.get(3, 3, 2));

        WritableRaster cmyk = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 16, 4, null);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, new IIOImage(cmyk, null, null), null);
        } finally {
            writer.dispose();
        }
        BufferedImage decoded = decoder.decode(out.toByteArray(), "cmyk.jpg");
        assertEquals(ColorSpace.TYPE_CMYK, decoded.getColorModel().getColorSpace().getType());
        assertEquals(16, RgbImage.of(decoded).width());
    }

    @Test
    void truncatedPngIsRefusedNamingTheSource() throws IOException {
        byte[] png = encode(noise(64, 64), "png");
        byte[] cut = Arrays.copyOf(png, png.length / 2);
        ImageException e = assertThrows(ImageException.class, () -> decoder.decode(cut, "cut.png"));
        assertTrue(e.getMessage().startsWith("cut.png: ") && e.getMessage().contains("truncated or corrupt"), e.getMessage());
    }

    @Test
    void truncatedJpegIsRefusedNotGreyFilled() throws IOException {
        byte[] jpg = encode(noise(64, 64), "jpeg");
        byte[] cut = Arrays.copyOf(jpg, jpg.length / 2);
        ImageException e = assertThrows(ImageException.class, () -> decoder.decode(cut, "cut.jpg"));
        assertTrue(e.getMessage().startsWith("cut.jpg: ") && e.getMessage().contains("truncated or corrupt"), e.getMessage());
    }

    @Test
    void randomBytesAndEmptyInputAreNotImages() {
        byte[] junk = new byte[4096];
        new Random(1).nextBytes(junk);
        ImageException e = assertThrows(ImageException.class, () -> decoder.decode(junk, "junk.bin"));
        assertTrue(e.getMessage().startsWith("junk.bin: ") && e.getMessage().contains("not an image"), e.getMessage());
        ImageException empty = assertThrows(ImageException.class, () -> decoder.decode(new byte[0], "empty.png"));
        assertTrue(empty.getMessage().startsWith("empty.png: "), empty.getMessage());
    }

    /** A PNG whose IHDR claims 100000 x 100000 (30 GB of RGB) followed by nothing: refused from the header alone. */
    @Test
    void decompressionBombIsRefusedBeforeDecoding() {
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(100_000).putInt(100_000).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        byte[] bomb = ByteBuffer.allocate(8 + 25).put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'})
                .put(chunk("IHDR", ihdr.array())).array();
        ImageException e = assertThrows(ImageException.class, () -> decoder.decode(bomb, "bomb.png"));
        assertTrue(e.getMessage().startsWith("bomb.png: ") && e.getMessage().contains("100000x100000")
                && e.getMessage().contains("refused before decoding"), e.getMessage());
    }

    private static byte[] chunk(String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        return ByteBuffer.allocate(12 + data.length).putInt(data.length).put(t).put(data).putInt((int) crc.getValue()).array();
    }

    @Test
    void byteLimitIsCheckedBeforeReading() throws IOException {
        Path file = tmp.resolve("big.png");
        Files.write(file, encode(noise(32, 32), "png"));
        ImageDecoder small = new ImageDecoder(100, ImageDecoder.DEFAULT_MAX_PIXELS);
        ImageException e = assertThrows(ImageException.class, () -> small.decode(file));
        assertTrue(e.getMessage().startsWith(file + ": ") && e.getMessage().contains("exceeds the limit of 100 bytes"), e.getMessage());
        ImageException missing = assertThrows(ImageException.class, () -> decoder.decode(tmp.resolve("nope.png")));
        assertTrue(missing.getMessage().contains("nope.png") && missing.getMessage().contains("no such file"), missing.getMessage());
    }

    @Test
    void pixelLimitIsConfigurable() throws IOException {
        byte[] png = encode(noise(10, 10), "png");
        ImageException e = assertThrows(ImageException.class, () -> new ImageDecoder(1 << 20, 99).decode(png, "ten.png"));
        assertTrue(e.getMessage().contains("10x10 = 100 pixels exceeds the limit of 99"), e.getMessage());
        assertEquals(10, new ImageDecoder(1 << 20, 100).decode(png, "ten.png").getWidth());
    }

    @Test
    void resolveStaysInsideTheRoot() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("images"));
        Files.createDirectories(root.resolve("sub"));
        assertEquals(root.toAbsolutePath().resolve("sub/a.jpg"), ImageDecoder.resolve(root, "sub/a.jpg"));
        assertEquals(root.toAbsolutePath().resolve("b.jpg"), ImageDecoder.resolve(root, "sub/../b.jpg"));
        for (String bad : new String[] {"../secret.jpg", "sub/../../secret.jpg", "/etc/passwd", ""}) {
            ImageException e = assertThrows(ImageException.class, () -> ImageDecoder.resolve(root, bad), bad);
            assertTrue(e.getMessage().contains("root") || e.getMessage().contains("empty"), e.getMessage());
        }
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("x.jpg"), "x");
        Files.createSymbolicLink(root.resolve("link"), outside);
        ImageException e = assertThrows(ImageException.class, () -> ImageDecoder.resolve(root, "link/x.jpg"));
        assertTrue(e.getMessage().startsWith("link/x.jpg: ") && e.getMessage().contains("symbolic link"), e.getMessage());
        ImageException notYet = assertThrows(ImageException.class, () -> ImageDecoder.resolve(root, "link/new.jpg"));
        assertTrue(notYet.getMessage().contains("symbolic link"), notYet.getMessage());
    }
}
