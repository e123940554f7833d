package org.vmrole.storage;

import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.QueueServiceClient;
import com.azure.storage.queue.models.QueueMessageItem;
import com.azure.storage.queue.models.QueueStorageException;
import com.azure.storage.queue.models.QueuesSegmentOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class QueueServiceTest {
    static RunningStorage storage;
    static QueueServiceClient queues;

    @BeforeAll
    static void start() {
        storage = new RunningStorage();
        queues = storage.queues();
    }

    @AfterAll
    static void stop() {
        storage.close();
    }

    static QueueClient newQueue() {
        QueueClient q = queues.getQueueClient("q" + UUID.randomUUID().toString().substring(0, 12));
        q.create();
        return q;
    }

    static String code(Runnable r) {
        try {
            r.run();
            return "none";
        } catch (QueueStorageException e) {
            return e.getErrorCode().toString();
        }
    }

    @Test
    void creates_lists_describes_and_deletes_queues() {
        QueueClient q = queues.getQueueClient("orders-1");
        q.createWithResponse(Map.of("team", "red"), null, null);
        queues.getQueueClient("orders-2").create();
        q.sendMessage("a");
        var props = q.getProperties();
        assertThat(props.getMetadata()).containsEntry("team", "red");
        assertThat(props.getApproximateMessagesCount()).isEqualTo(1);
        assertThat(queues.listQueues(new QueuesSegmentOptions().setPrefix("orders-").setMaxResultsPerPage(1), null, null)
                .stream().map(x -> x.getName()).toList()).containsExactly("orders-1", "orders-2");
        q.setMetadata(Map.of("team", "blue"));
        assertThat(q.getProperties().getMetadata()).containsEntry("team", "blue");
        q.delete();
        assertThat(code(q::getProperties)).isEqualTo("QueueNotFound");
        assertThat(code(() -> queues.getQueueClient("Bad_Queue").create())).isEqualTo("InvalidResourceName");
    }

    @Test
    void puts_gets_and_deletes_messages_with_pop_receipts_and_dequeue_counts() {
        QueueClient q = newQueue();
        q.sendMessage("first");
        q.sendMessage("second <&> xml");
        QueueMessageItem m = q.receiveMessage();
        assertThat(m.getBody().toString()).isEqualTo("first");
        assertThat(m.getDequeueCount()).isEqualTo(1);
        List<String> rest = q.receiveMessages(5).stream().map(x -> x.getBody().toString()).toList();
        assertThat(rest).containsExactly("second <&> xml");
        assertThat(code(() -> q.deleteMessage(m.getMessageId(), "wrong-receipt"))).isEqualTo("PopReceiptMismatch");
        q.deleteMessage(m.getMessageId(), m.getPopReceipt());
        assertThat(code(() -> q.deleteMessage(m.getMessageId(), m.getPopReceipt()))).isEqualTo("MessageNotFound");
    }

    @Test
    void hides_a_message_for_its_visibility_timeout_then_redelivers_it() {
        QueueClient q = newQueue();
        q.sendMessage("job");
        QueueMessageItem first = q.receiveMessages(1, Duration.ofSeconds(1), null, null).iterator().next();
        assertThat(q.receiveMessage()).isNull();
        await().atMost(Duration.ofSeconds(5)).until(() -> q.peekMessage() != null);
        QueueMessageItem again = q.receiveMessage();
        assertThat(again.getMessageId()).isEqualTo(first.getMessageId());
        assertThat(again.getDequeueCount()).isEqualTo(2);
    }

    @Test
    void delays_a_message_put_with_a_visibility_timeout_and_expires_it_after_its_ttl() {
        QueueClient q = newQueue();
        q.sendMessageWithResponse("later", Duration.ofSeconds(30), null, null, null);
        assertThat(q.peekMessage()).isNull();
        q.sendMessageWithResponse("short", null, Duration.ofSeconds(1), null, null);
        await().atMost(Duration.ofSeconds(5)).until(() -> q.getProperties().getApproximateMessagesCount() == 1);
        assertThat(q.peekMessage()).isNull();
    }

    @Test
    void updates_a_message_text_and_visibility_and_clears_the_queue() {
        QueueClient q = newQueue();
        q.sendMessage("v1");
        QueueMessageItem m = q.receiveMessage();
        var updated = q.updateMessage(m.getMessageId(), m.getPopReceipt(), "v2", Duration.ZERO);
        assertThat(code(() -> q.deleteMessage(m.getMessageId(), m.getPopReceipt()))).isEqualTo("PopReceiptMismatch");
        QueueMessageItem peeked = q.peekMessage() == null ? null : q.receiveMessage();
        assertThat(peeked).isNotNull();
        assertThat(peeked.getBody().toString()).isEqualTo("v2");
        assertThat(updated.getPopReceipt()).isNotEqualTo(m.getPopReceipt());
        q.sendMessage("x");
        q.clearMessages();
        assertThat(q.getProperties().getApproximateMessagesCount()).isZero();
    }

    @Test
    void peeks_without_changing_visibility() {
        QueueClient q = newQueue();
        q.sendMessage("p");
        assertThat(q.peekMessage().getBody().toString()).isEqualTo("p");
        assertThat(q.peekMessage().getDequeueCount()).isZero();
        assertThat(q.receiveMessage().getBody().toString()).isEqualTo("p");
    }

    @Test
    void keeps_queue_access_policies() {
        QueueClient q = newQueue();
        var id = new com.azure.storage.queue.models.QueueSignedIdentifier().setId("producers").setAccessPolicy(
                new com.azure.storage.queue.models.QueueAccessPolicy().setPermissions("a")
                        .setStartsOn(java.time.OffsetDateTime.parse("2026-01-01T00:00:00Z")).setExpiresOn(java.time.OffsetDateTime.parse("2027-01-01T00:00:00Z")));
        q.setAccessPolicy(List.of(id));
        assertThat(q.getAccessPolicy().stream().map(x -> x.getId()).toList()).containsExactly("producers");
    }
}
