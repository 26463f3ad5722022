import { isJapanese } from '../feeds/plan.js';

/** The fixed words on pages, in the site's language (Japanese or English). */
export interface PageText {
  feeds: string;
  follow: string;
  latest: string;
  noPosts: string;
  subscribeHeading: string;
  subscribeLead: string;
  email: string;
  name: string;
  subscribe: string;
  category: string;
  home: string;
  minutes: (n: number) => string;
}

const ja: PageText = {
  feeds: 'フィード',
  follow: 'フィードで購読:',
  latest: '最新の記事',
  noPosts: 'まだ記事はありません。',
  subscribeHeading: 'メールで購読',
  subscribeLead: '週に一度、新しい記事のまとめをお届けします。',
  email: 'メールアドレス',
  name: 'お名前（任意）',
  subscribe: '購読する',
  category: 'カテゴリー',
  home: 'トップページへ',
  minutes: (n) => `約${n}分で読めます`,
};

const en: PageText = {
  feeds: 'Feeds',
  follow: 'Follow by feed:',
  latest: 'Latest posts',
  noPosts: 'No posts yet.',
  subscribeHeading: 'Subscribe by e-mail',
  subscribeLead: 'A weekly digest of new posts, once a week.',
  email: 'E-mail address',
  name: 'Name (optional)',
  subscribe: 'Subscribe',
  category: 'Category',
  home: 'Back to the front page',
  minutes: (n) => `${n} min read`,
};

export function pageText(language: string): PageText {
  return isJapanese(language) ? ja : en;
}
