// Candlestick chart (TradingView Lightweight Charts) with the interval selector. Candles come as decimal strings;
// the chart library plots numbers, so each price is converted with Number() for drawing only, while the legend
// shows the exact strings of the last candle. Attribution, as the library's licence asks: its notice and a link to
// tradingview.com under the chart. (Its in-chart logo is off: it injects an inline <style>, which the console's
// Content-Security-Policy refuses.)

import {
  CandlestickSeries,
  ColorType,
  type IChartApi,
  type ISeriesApi,
  type UTCTimestamp,
  createChart,
} from 'lightweight-charts';
import { useEffect, useRef } from 'preact/hooks';
import { useStore } from '../store.js';
import { INTERVALS, type Interval, type Kline, type MarketFeed } from './feed.js';

function bar(k: Kline) {
  return {
    time: Math.floor(k.open_time / 1000) as UTCTimestamp,
    open: Number(k.open),
    high: Number(k.high),
    low: Number(k.low),
    close: Number(k.close),
  };
}

function themeColors(): { text: string; grid: string } {
  const css = getComputedStyle(document.documentElement);
  return {
    text: css.getPropertyValue('--fg').trim() || '#888',
    grid: css.getPropertyValue('--grid').trim() || '#8883',
  };
}

export function Candles({ feed, theme }: { feed: MarketFeed; theme: string }) {
  const s = useStore(feed.state);
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const series = useRef<ISeriesApi<'Candlestick'> | null>(null);
  const shown = useRef<{ key: string; count: number }>({ key: '', count: 0 });

  useEffect(() => {
    if (box.current === null) return;
    const c = createChart(box.current, {
      autoSize: true,
      layout: { attributionLogo: false },
      timeScale: { timeVisible: true, secondsVisible: true },
    });
    chart.current = c;
    series.current = c.addSeries(CandlestickSeries, {
      upColor: '#1f9d55',
      downColor: '#d64545',
      wickUpColor: '#1f9d55',
      wickDownColor: '#d64545',
      borderVisible: false,
    });
    return () => {
      c.remove();
      chart.current = null;
      series.current = null;
    };
  }, []);

  useEffect(() => {
    const { text, grid } = themeColors();
    chart.current?.applyOptions({
      layout: { background: { type: ColorType.Solid, color: 'transparent' }, textColor: text, attributionLogo: false },
      grid: { vertLines: { color: grid }, horzLines: { color: grid } },
    });
  }, [theme]);

  useEffect(() => {
    const sr = series.current;
    if (sr === null) return;
    const key = `${s.symbol}:${s.interval}`;
    const last = s.candles[s.candles.length - 1];
    // Same selection and one candle more or the same count: update the last bar; otherwise reload all of them.
    if (key === shown.current.key && last !== undefined && s.candles.length - shown.current.count <= 1) {
      sr.update(bar(last));
    } else {
      sr.setData(s.candles.map(bar));
      chart.current?.timeScale().fitContent();
    }
    shown.current = { key, count: s.candles.length };
  }, [s.candles, s.symbol, s.interval]);

  const last = s.candles[s.candles.length - 1];
  return (
    <section class="panel candles" aria-label="Candles">
      <h2>
        Candles{' '}
        <span class="intervals" role="group" aria-label="Interval">
          {INTERVALS.map((i: Interval) => (
            <button
              type="button"
              class={i === s.interval ? 'active' : ''}
              aria-pressed={i === s.interval}
              data-interval={i}
              onClick={() => feed.setInterval(i)}
            >
              {i}
            </button>
          ))}
        </span>
      </h2>
      <div class="chart" ref={box} />
      <p
        class="muted small legend"
        data-testid="last-candle"
        data-candle={last === undefined ? '' : JSON.stringify(last)}
      >
        {last === undefined
          ? (s.candlesError ?? 'no candles yet')
          : `O ${last.open} H ${last.high} L ${last.low} C ${last.close} V ${last.volume} (${last.trade_count} trades${last.is_closed ? ', closed' : ''})`}
      </p>
      <p class="muted small attribution" data-testid="chart-attribution">
        Charts: TradingView Lightweight Charts™, Copyright (c) TradingView, Inc.,{' '}
        <a href="https://www.tradingview.com/" target="_blank" rel="noopener noreferrer">
          https://www.tradingview.com/
        </a>
      </p>
    </section>
  );
}
