package live

import (
	"testing"
	"time"
)

func TestHub(t *testing.T) {
	h := NewHub()
	a, stopA := h.Subscribe("application:1")
	b, stopB := h.Subscribe("application:2")
	defer stopB()
	h.Publish("application:1")
	h.Publish("application:1") // coalesces with the first: one wake-up pending
	select {
	case <-a:
	case <-time.After(time.Second):
		t.Fatal("the subscriber of the topic was not woken")
	}
	select {
	case <-a:
		t.Fatal("two publications while busy gave two wake-ups, want one")
	default:
	}
	select {
	case <-b:
		t.Fatal("a subscriber of another topic was woken")
	default:
	}
	stopA()
	h.Publish("application:1") // nobody listens: must not block or panic
	if len(h.subs) != 1 {
		t.Errorf("topics after unsubscribing = %d, want 1", len(h.subs))
	}
}
