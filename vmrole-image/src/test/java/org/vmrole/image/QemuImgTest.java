package org.vmrole.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QemuImgTest {
    @TempDir Path tmp;

    @Test
    void qemu_img_runs_inside_the_memory_limit_it_is_given() throws IOException {
        Path raw = Images.raw(tmp, "d.raw", 1, 1);
        QemuImg starved = new QemuImg("qemu-img", 8L << 20);
        assertThatThrownBy(() -> starved.info(raw, ImageFormat.RAW, Duration.ofSeconds(10))).isInstanceOf(QemuImg.QemuImgException.class);
        QemuImg.Info info = new QemuImg("qemu-img", 256L << 20).info(raw, ImageFormat.RAW, Duration.ofSeconds(10));
        assertThat(info.format()).isEqualTo("raw");
        assertThat(info.virtualSize()).isEqualTo(1L << 20);
    }

    @Test
    void a_qemu_img_run_past_its_time_is_killed() throws IOException {
        Path fifo = tmp.resolve("never-written");
        new ProcessBuilder("mkfifo", fifo.toString()).start().onExit().join();
        QemuImg q = new QemuImg("qemu-img", 256L << 20);
        // reading a FIFO nobody writes blocks forever: only the timeout ends it
        assertThatThrownBy(() -> q.run(List.of("info", "-f", "raw", fifo.toString()), Duration.ofMillis(1500)))
                .isInstanceOf(QemuImg.QemuImgException.class).hasMessage("qemu-img did not finish within 1 s");
    }
}
