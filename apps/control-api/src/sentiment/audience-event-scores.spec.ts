import { SentimentCategory as C } from '@lib-stream/privacy';

import {
  EXCITED_CHEER_BITS,
  EXCITED_GIFT_BOMB,
  EXCITED_SUPERCHAT_USD,
  scoreCheer,
  scoreFollow,
  scoreGiftBomb,
  scoreHypeTrain,
  scoreMembership,
  scorePaidMessage,
  scorePoll,
  scorePrediction,
  scorePredictionResult,
  scoreRaid,
  scoreSubscription,
  scoreSuperChat,
} from './audience-event-scores';
import type { SentimentResult } from './sentiment-processor';

function expectNonDecreasing(results: SentimentResult[]): void {
  for (let i = 1; i < results.length; i++) expect(results[i].intensity).toBeGreaterThanOrEqual(results[i - 1].intensity);
  expect(results[results.length - 1].intensity).toBeGreaterThan(results[0].intensity);
}

function expectInRange(results: SentimentResult[]): void {
  for (const r of results) {
    expect(r.intensity).toBeGreaterThanOrEqual(0);
    expect(r.intensity).toBeLessThanOrEqual(1);
  }
}

describe('audience event scores', () => {
  describe('scoreSubscription', () => {
    it('is Supportive and grows with tier', () => {
      const tiers = (['1000', '2000', '3000'] as const).map((tier) => scoreSubscription({ tier, isGift: false }));
      expect(tiers.every((r) => r.category === C.Supportive)).toBe(true);
      expect(tiers[0].intensity).toBeLessThan(tiers[1].intensity);
      expect(tiers[1].intensity).toBeLessThan(tiers[2].intensity);
    });

    it('scores a gift above a self-bought sub of the same tier', () => {
      expect(scoreSubscription({ tier: '1000', isGift: true }).intensity).toBeGreaterThan(scoreSubscription({ tier: '1000', isGift: false }).intensity);
    });

    it('grows with the streak and stays within [0, 1] at the extremes', () => {
      const streak = [0, 1, 6, 24, 60, 600].map((cumulativeMonths) => scoreSubscription({ tier: '1000', isGift: false, cumulativeMonths }));
      expectNonDecreasing(streak);
      const max = scoreSubscription({ tier: '3000', isGift: true, cumulativeMonths: 1_000 });
      expectInRange([...streak, max]);
      expect(scoreSubscription({ tier: '1000', isGift: false, cumulativeMonths: -5 })).toEqual(scoreSubscription({ tier: '1000', isGift: false }));
    });
  });

  describe('scoreCheer', () => {
    const amounts = [0, 1, 10, 100, EXCITED_CHEER_BITS - 1, EXCITED_CHEER_BITS, 5_000, 10_000, 1_000_000];

    it('grows with the amount on a log scale and caps at 1', () => {
      const results = amounts.map(scoreCheer);
      expectNonDecreasing(results);
      expectInRange(results);
      expect(scoreCheer(1_000_000).intensity).toBe(1);
      // Log scale: 10× the bits adds a constant, not 10× the intensity.
      const step1 = scoreCheer(100).intensity - scoreCheer(10).intensity;
      const step2 = scoreCheer(1000).intensity - scoreCheer(100).intensity;
      expect(Math.abs(step1 - step2)).toBeLessThan(0.02);
    });

    it(`is Supportive below ${EXCITED_CHEER_BITS} bits and Excited from there`, () => {
      expect(scoreCheer(100).category).toBe(C.Supportive);
      expect(scoreCheer(EXCITED_CHEER_BITS - 1).category).toBe(C.Supportive);
      expect(scoreCheer(EXCITED_CHEER_BITS).category).toBe(C.Excited);
    });

    it('treats negative or non-finite amounts as zero', () => {
      expect(scoreCheer(-50)).toEqual(scoreCheer(0));
      expect(scoreCheer(Number.NaN)).toEqual(scoreCheer(0));
      expect(scoreCheer(Number.POSITIVE_INFINITY)).toEqual(scoreCheer(0));
    });
  });

  describe('scoreRaid', () => {
    it('is Excited and grows with raid size, capped at 1', () => {
      const results = [0, 1, 5, 50, 500, 5_000, 50_000].map(scoreRaid);
      expect(results.every((r) => r.category === C.Excited)).toBe(true);
      expectNonDecreasing(results);
      expectInRange(results);
      expect(scoreRaid(50_000).intensity).toBe(1);
    });
  });

  describe('scoreSuperChat', () => {
    it('grows with the amount and switches to Excited at the threshold', () => {
      const results = [1, 5, 20, EXCITED_SUPERCHAT_USD, 100, 500, 10_000].map((usd) => scoreSuperChat(usd * 1_000_000, 'USD'));
      expectNonDecreasing(results);
      expectInRange(results);
      expect(scoreSuperChat(20_000_000, 'USD').category).toBe(C.Supportive);
      expect(scoreSuperChat(EXCITED_SUPERCHAT_USD * 1_000_000, 'USD').category).toBe(C.Excited);
    });

    it('puts currencies on one scale: ¥1,000 is a small Super Chat, $1,000 a big one', () => {
      const yen = scoreSuperChat(1_000 * 1_000_000, 'JPY');
      const dollars = scoreSuperChat(1_000 * 1_000_000, 'USD');
      expect(yen.category).toBe(C.Supportive);
      expect(yen.intensity).toBeLessThan(dollars.intensity - 0.3);
      expect(scoreSuperChat(10_000_000, 'eur')).toEqual(scoreSuperChat(10_000_000, 'EUR'));
    });

    it('scores an unknown currency as a typical small Super Chat, whatever the amount', () => {
      const small = scoreSuperChat(5_000_000, 'XYZ');
      const huge = scoreSuperChat(5_000_000_000_000, 'XYZ');
      expect(small).toEqual(huge);
      expect(small).toEqual(scoreSuperChat(5_000_000, 'USD'));
    });
  });

  it('scores a follow as low-intensity support', () => {
    const r = scoreFollow();
    expect(r.category).toBe(C.Supportive);
    expect(r.intensity).toBeGreaterThan(0);
    expect(r.intensity).toBeLessThan(scoreSubscription({ tier: '1000', isGift: false }).intensity);
  });

  it('scores memberships as Supportive, growing with months', () => {
    const results = [undefined, 1, 12, 60, 600].map((m) => scoreMembership(m));
    expect(results.every((r) => r.category === C.Supportive)).toBe(true);
    expectNonDecreasing(results);
    expectInRange(results);
  });

  describe('Twitch channel events', () => {
    it('polls are Curious and grow with the votes', () => {
      const polls = [0, 10, 100, 10_000, 1e6].map(scorePoll);
      expect(polls.every((r) => r.category === C.Curious)).toBe(true);
      expectNonDecreasing(polls);
      expectInRange(polls);
      expect(polls[0].intensity).toBe(0.3);
      expect(polls[3].intensity).toBe(1);
    });

    it('open predictions are Excited and grow with the points at stake', () => {
      const bets = [0, 1000, 100_000, 1e6, 1e9].map(scorePrediction);
      expect(bets.every((r) => r.category === C.Excited)).toBe(true);
      expectNonDecreasing(bets);
      expectInRange(bets);
    });

    it('a resolved prediction is Surprised when the underdog won and Excited when the favourite did', () => {
      expect(scorePredictionResult(20, 100, 5000).category).toBe(C.Surprised);
      expect(scorePredictionResult(80, 100, 5000).category).toBe(C.Excited);
      expect(scorePredictionResult(0, 0, 0)).toEqual({ category: C.Excited, intensity: 0.3 });
      expect(scorePredictionResult(20, 100, 5000).intensity).toBe(scorePrediction(5000).intensity);
    });

    it('hype trains are Excited and climb with the level, capped at 1', () => {
      const levels = [1, 2, 3, 6, 25].map(scoreHypeTrain);
      expect(levels.every((r) => r.category === C.Excited)).toBe(true);
      expectNonDecreasing(levels);
      expect(levels[0].intensity).toBe(0.5);
      expect(levels[4].intensity).toBe(1);
      expect(scoreHypeTrain(Number.NaN).intensity).toBe(0.5);
    });

    it('gift bombs start where a single gift does, turn Excited at the threshold and grow with tier', () => {
      expect(scoreGiftBomb(1, '1000')).toEqual(scoreSubscription({ tier: '1000', isGift: true }));
      expect(scoreGiftBomb(EXCITED_GIFT_BOMB - 1, '1000').category).toBe(C.Supportive);
      expect(scoreGiftBomb(EXCITED_GIFT_BOMB, '1000').category).toBe(C.Excited);
      const sizes = [1, 5, 10, 50, 100].map((n) => scoreGiftBomb(n, '1000'));
      expectNonDecreasing(sizes);
      expect(sizes[4].intensity).toBe(1);
      expect(scoreGiftBomb(5, '3000').intensity).toBeGreaterThan(scoreGiftBomb(5, '1000').intensity);
      expectInRange([scoreGiftBomb(-3, '1000'), scoreGiftBomb(Number.POSITIVE_INFINITY, '3000')]);
    });
  });

  describe('scorePaidMessage', () => {
    it("keeps the text's category and lifts its intensity with the amount; no reading → the amount's score", () => {
      const hostile = { category: C.Hostile, intensity: 0.4 };
      const small = scoreSuperChat(2_000_000, 'USD');
      const big = scoreSuperChat(200_000_000, 'USD');
      expect(scorePaidMessage(hostile, small).category).toBe(C.Hostile);
      expect(scorePaidMessage(hostile, small).intensity).toBeGreaterThan(0.4);
      expect(scorePaidMessage(hostile, big).intensity).toBeGreaterThan(scorePaidMessage(hostile, small).intensity);
      expect(scorePaidMessage({ category: C.Excited, intensity: 1 }, big).intensity).toBe(1);
      expect(scorePaidMessage(null, big)).toEqual(big);
    });
  });
});
