package seed

// Word lists for names and posts. Invented, neutral content: nothing here
// names a real person.

var adjectives = []string{
	"quiet", "amber", "brave", "calm", "clever", "copper", "crimson", "dusty", "eager", "early",
	"fancy", "gentle", "golden", "happy", "hidden", "humble", "icy", "jolly", "kind", "lazy",
	"little", "lucky", "mellow", "misty", "noble", "olive", "proud", "rapid", "rusty", "salty",
	"shy", "silent", "silver", "sleepy", "smooth", "sunny", "swift", "tidy", "velvet", "wild",
	"windy", "wise", "young", "zesty", "bold", "cosy", "dawn", "desert", "lunar", "north",
}

var nouns = []string{
	"river", "falcon", "cedar", "harbor", "lantern", "meadow", "oasis", "pebble", "quill", "raven",
	"saffron", "teapot", "walnut", "willow", "comet", "date", "dune", "ember", "fig", "garden",
	"heron", "island", "jasmine", "kettle", "lemon", "mint", "nomad", "orchid", "palm", "quince",
	"reed", "sparrow", "tulip", "valley", "wave", "yarrow", "zephyr", "atlas", "bazaar", "canyon",
	"delta", "fennel", "gazelle", "hill", "inkwell", "juniper", "kite", "loom", "moon", "nutmeg",
	"otter", "pine", "rook", "sage", "thyme", "umbra", "vine", "well", "acorn", "bramble",
}

var verbs = []string{
	"built", "fixed", "found", "read", "wrote", "cooked", "planted", "painted", "baked", "tested",
	"shipped", "learned", "tried", "finished", "started", "rewrote", "cleaned", "measured", "drew", "sang",
}

var things = []string{
	"a new bookshelf", "the garden gate", "a sourdough loaf", "my old bicycle", "a tiny web server",
	"the kitchen tap", "a pot of lentil soup", "the chapter on tides", "a small poem", "the slow query",
	"a birthday card", "the balcony herbs", "a map of the old town", "a cardamom cake", "the flaky test",
	"a pair of shelves", "the cache layer", "a paper lantern", "my first sweater", "the backup script",
}

var adverbs = []string{
	"today", "this morning", "at last", "before breakfast", "with my kids", "in the rain",
	"after work", "over the weekend", "late last night", "with a friend", "again", "by accident",
}

// sentences are whole lines in English.
var sentences = []string{
	"Good morning, everyone.",
	"The tea is ready and the sun is out.",
	"Has anyone tried the new bakery on the corner?",
	"Reading on the balcony while the city wakes up.",
	"Small steps, every day.",
	"I think I finally understand how B-trees split their pages.",
	"The market was busy, but the figs were worth it.",
	"Note to self: write the tests first.",
	"Our reading circle meets on Thursday at seven.",
	"What are you all listening to this week?",
	"Three hours of debugging, one missing comma.",
	"The library extended its opening hours, which is wonderful news.",
	"It rained all afternoon and I did not mind one bit.",
	"Some days the best code is the code you delete.",
	"Walked along the river and counted eleven herons.",
	"New plant on the windowsill. Naming suggestions welcome.",
	"Power cut in our street, so it is candles and board games tonight.",
	"The neighbourhood cleanup went really well, thank you all for coming.",
	"If you have spare jars, the community kitchen needs them.",
	"Learning to say no to meetings that could be a post.",
	"The kids built a fort out of every cushion in the house.",
	"Trying a slower pace this month: fewer tabs, more books.",
	"Finally fixed the squeaky door. Victory.",
	"Why does every recipe start with a life story?",
	"Looking for recommendations: a good atlas for a curious ten-year-old.",
	"Sunset from the rooftop was unreal today.",
	"Our little instance is one year old this week!",
	"Reminder: the potluck is on Saturday, bring a dish if you can.",
	"Coffee number two. Do not judge.",
	"A long walk fixes most things.",
}

// arabic are lines in Arabic script, for right-to-left text in posts.
var arabic = []string{
	"صباح الخير يا أصدقاء",
	"الشاي جاهز والشمس مشرقة",
	"قرأت اليوم فصلاً جميلاً عن تاريخ المدينة",
	"من يعرف مخبزاً جيداً قريباً من السوق؟",
	"خطوة صغيرة كل يوم",
	"اجتماع نادي القراءة يوم الخميس في السابعة مساءً",
	"أمطرت طوال العصر وكان الجو رائعاً",
	"شكراً لكل من حضر تنظيف الحي اليوم",
	"أتعلم البرمجة ببطء، لكنني أستمتع بكل دقيقة",
	"غروب الشمس من السطح كان مذهلاً",
	"تذكير: العشاء المشترك يوم السبت",
	"كل عام وأنتم بخير",
	"المشي الطويل يصلح أغلب الأشياء",
	"هل جرب أحدكم المكتبة الجديدة في الحي القديم؟",
	"زرعت النعناع والريحان على الشرفة",
	"القهوة الثانية اليوم، لا تحكموا علي",
	"الأطفال بنوا حصناً من كل الوسائد في البيت",
	"مجتمعنا الصغير يكمل عامه الأول هذا الأسبوع",
}

// arabicNames are display names in Arabic script.
var arabicNames = []string{
	"ليلى", "سارة", "يوسف", "مريم", "عمر", "نور", "خالد", "هدى", "سلمى", "كريم",
	"ريم", "طارق", "فاطمة", "زياد", "أمل", "رامي", "دينا", "سامي", "لينا", "بشير",
}

var arabicFamily = []string{
	"الحسن", "المصري", "النجار", "الخطيب", "العلي", "حداد", "الشامي", "منصور", "سليمان", "عيسى",
}

var latinNames = []string{
	"Amira", "Ben", "Chloe", "Dmitri", "Elif", "Farid", "Grace", "Hana", "Idris", "Jonas",
	"Karima", "Leo", "Maya", "Nadia", "Omar", "Priya", "Rosa", "Samir", "Tariq", "Una",
	"Victor", "Wen", "Yara", "Zainab", "Aziz", "Bilal", "Dalia", "Emre", "Inès", "Noor",
}

var latinFamily = []string{
	"Haddad", "Khoury", "Nasser", "Okafor", "Petrov", "Quinn", "Rahman", "Santos", "Tanaka", "Yilmaz",
}

var emoji = []string{
	"☀️", "🌿", "📚", "☕", "🎉", "🌙", "🍵", "🌧️", "🚲", "🧵",
	"🌻", "✨", "🙏", "😄", "🤔", "❤️", "🔥", "👀", "🍋", "🕌",
	"🐪", "🌴", "🎶", "🧪", "🛠️", "🐢", "🥐", "🪴", "⭐", "👋",
}

// tags are the hashtags posts carry, most used first: the seeder draws them
// with a power law, so the first is the busiest tag page.
var tags = []string{
	"majlis", "books", "food", "golang", "garden", "music", "photography", "coffee", "cycling", "art",
	"history", "science", "family", "travel", "weekend", "tea", "poetry", "coding", "community", "rain",
	"learning", "cooking", "nature", "film", "bread", "birds", "maps", "crafts", "sunset", "news",
	"قراءة", "قهوة", "مجتمع", "طبخ", "شعر",
}

var domains = []string{
	"example.com", "example.org", "example.net", "blog.example.com", "news.example.org", "docs.example.net",
}

var codeSnippets = []string{
	"go test ./...",
	"SELECT count(*) FROM posts;",
	"git commit --amend",
	"for k, v := range m {",
	"make -j2",
	"curl -sI https://example.com",
	"ls -la",
	"fmt.Println(\"hello\")",
}

var codeBlocks = []string{
	"func add(a, b int) int {\n\treturn a + b\n}",
	"for i := range 10 {\n\tfmt.Println(i)\n}",
	"$ majlis backup /tmp/copy.db\n$ ls -lh /tmp/copy.db",
	"def greet(name):\n    return f\"hello {name}\"",
	"SELECT name, count(*)\nFROM posts\nGROUP BY name;",
}

var quotes = []string{
	"The best time to plant a tree was twenty years ago. The second best time is now.",
	"Make it work, make it right, make it fast.",
	"A journey of a thousand miles begins with a single step.",
	"Simplicity is prerequisite for reliability.",
	"اطلبوا العلم من المهد إلى اللحد",
	"Clear is better than clever.",
}

// reactions open or make up short replies.
var reactions = []string{
	"Agreed!", "Ha, yes.", "Same here.", "Thanks for sharing!", "This is lovely.", "Oh no!",
	"Congratulations!", "Good point.", "I had no idea.", "Where was this?", "Love it.", "Fair enough.",
	"Not sure about that.", "Exactly this.", "Well said.", "Count me in.", "So true.", "Beautiful.",
	"How did it go?", "Any tips?", "Following along.", "Wonderful news!",
}

// arabicReplies are short answers in Arabic.
var arabicReplies = []string{
	"شكراً لك!", "أحسنت", "فكرة رائعة", "ما شاء الله", "أتفق معك تماماً", "سأحضر بإذن الله",
	"جميل جداً", "بالتوفيق", "أين هذا المكان؟", "صحيح",
}
